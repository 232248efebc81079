"""bertc.Tokenizer: bertc's tokenizer (WordPiece, byte-level BPE or Unigram: the same ids,
offsets and decoded text as Hugging Face's fast tokenizers), called like a Hugging Face tokenizer."""
import numpy as np

from . import _bertc


class Tokenizer:
    """tok(text, text_pair=None, padding=False, truncation=False, max_length=None,
    add_special_tokens=True, return_tensors=None, return_offsets_mapping=False) ->
    {"input_ids", "token_type_ids", "attention_mask"[, "offset_mapping"]}: lists for a str (a list
    of lists for a list of str), or 2-D int64 numpy arrays with return_tensors="np" (which needs
    equal lengths: pad). padding: True / "longest" pads to the longest, "max_length" to
    max_length; truncation: True / "longest_first" cuts to max_length (default: the tokenizer's
    model_max_length). offset_mapping: each token's (start, end) in characters of its own text, as
    Hugging Face's fast tokenizers give it ((0, 0) for special tokens and padding). Safe to share
    across threads."""

    def __init__(self, native):
        self._tok = native

    @classmethod
    def from_file(cls, path):
        """A tokenizer.json, a vocab.txt or vocab.json + merges.txt (with tokenizer_config.json
        beside it) or a model folder."""
        return cls(_bertc.Tokenizer.from_file(str(path)))

    from_pretrained = from_file

    @property
    def vocab_size(self):
        return self._tok.vocab_size

    def __call__(self, text, text_pair=None, padding=False, truncation=False, max_length=None,
                 add_special_tokens=True, return_tensors=None, return_offsets_mapping=False, **_):
        """Encodes a text or a list of texts (with text_pair: pairs); see the class docstring."""
        single = isinstance(text, str)
        texts = [text] if single else list(text)
        if text_pair is None:
            pairs = []
        else:
            pairs = [text_pair] if isinstance(text_pair, str) else list(text_pair)
        if truncation and truncation != "do_not_truncate":
            limit = max_length or self._tok.model_max_length
            if limit is None:
                raise _bertc.Error("truncation needs max_length (the tokenizer has no model_max_length)")
        else:
            limit = None
        encoded = self._tok.encode_batch(texts, pairs, add_special_tokens, limit)
        ids = [list(e[0]) for e in encoded]
        types = [list(e[1]) for e in encoded]
        masks = [[1] * len(i) for i in ids]
        offsets = []
        if return_offsets_mapping:
            for k, e in enumerate(encoded):
                seq_texts = (texts[k], pairs[k] if k < len(pairs) else None)
                offsets.append(_char_offsets(e, seq_texts))
        if padding and padding != "do_not_pad":
            if padding == "max_length":
                if max_length is None:
                    raise _bertc.Error('padding="max_length" needs max_length')
                target = max_length
            else:
                target = max(len(i) for i in ids)
            for k in range(len(ids)):
                n = target - len(ids[k])
                if n > 0:
                    ids[k] += [self._tok.pad_id] * n
                    types[k] += [0] * n
                    masks[k] += [0] * n
                    if return_offsets_mapping:
                        offsets[k] += [(0, 0)] * n
        out = {"input_ids": ids, "token_type_ids": types, "attention_mask": masks}
        if return_offsets_mapping:
            out["offset_mapping"] = offsets
        if return_tensors == "np":
            if len({len(i) for i in ids}) > 1:
                raise _bertc.Error('return_tensors="np" needs equal lengths: pass padding=True')
            return {k: np.array(v, dtype=np.int64).reshape(len(ids), -1) for k, v in out.items()}
        if return_tensors is not None:
            raise _bertc.Error(f"return_tensors={return_tensors!r} is not supported (\"np\")")
        return {k: v[0] for k, v in out.items()} if single else out

    def convert_ids_to_tokens(self, ids):
        if isinstance(ids, (int, np.integer)):
            return self._tok.id_to_token(int(ids))
        return [self._tok.id_to_token(int(i)) for i in ids]

    def convert_tokens_to_ids(self, tokens):
        if isinstance(tokens, str):
            return self._tok.token_to_id(tokens)
        return [self._tok.token_to_id(t) for t in tokens]

    def decode(self, ids, skip_special_tokens=False):
        """The text of ids, as Hugging Face's fast tokenizers decode it (the tokenizer's own
        decoder: WordPiece, byte-level, Metaspace, ...); skip_special_tokens drops the special
        added tokens."""
        ids = [int(i) for i in (ids.tolist() if isinstance(ids, np.ndarray) else ids)]
        return self._tok.decode(ids, skip_special_tokens)


def _char_offsets(encoded, seq_texts):
    """Byte offsets -> character offsets: each token's range in its own text (the pair's tokens
    in the pair); (0, 0) for the tokens the template adds."""
    _, _, _, byte_offsets, sequence_ids = encoded
    chars = []  # per text: character offset of each byte offset
    for text in seq_texts:
        at = [0]
        for ch in text or "":
            n = len(ch.encode("utf-8"))
            at += [at[-1]] * (n - 1) + [at[-1] + 1]
        chars.append(at)
    return [(0, 0) if s < 0 else (chars[s][b], chars[s][e]) for (b, e), s in zip(byte_offsets, sequence_ids)]
