"""bertc.SentenceTransformer and bertc.CrossEncoder: sentence-transformers' encode / predict /
rank on a bertc model, with the library's token-budget batches (no work on padding)."""
from typing import Optional, Sequence, Union

import numpy as np

from . import _bertc
from .progress import progress_bar


class SentenceTransformer:
    """An embedding model: a Hugging Face folder (with its sentence-transformers files) or a
    .bertc bundle compiled from one. `threads`: the library's threads (default: the CPUs this
    process may use); `max_batch_tokens`: the token budget of one batch."""

    def __init__(self, model_name_or_path, threads: Optional[int] = None, max_batch_tokens: int = 4096):
        self._pipeline = _bertc.Pipeline(str(model_name_or_path), max_batch_tokens, threads or 0)
        if self._pipeline.task != "embedding":
            raise _bertc.Error(f"{model_name_or_path}: is a classifier; use bertc.CrossEncoder or bertc.pipeline")
        self._dim: Optional[int] = None

    @property
    def prompts(self) -> dict:
        """The model's prompts (config_sentence_transformers.json): name -> text."""
        return dict(self._pipeline.prompts)

    @property
    def default_prompt_name(self) -> Optional[str]:
        return self._pipeline.default_prompt_name or None

    @property
    def max_seq_length(self) -> int:
        """The longest input in tokens (special tokens included); longer texts are truncated."""
        return self._pipeline.max_length

    def get_sentence_embedding_dimension(self) -> int:
        if self._dim is None:
            self._dim = int(self._pipeline.embed(["x"]).shape[1])
        return self._dim

    def encode(self, sentences: Union[str, Sequence[str]], prompt_name: Optional[str] = None,
               prompt: Optional[str] = None, batch_size: int = 32, show_progress_bar: Optional[bool] = None,
               output_value: str = "sentence_embedding", precision: str = "float32", convert_to_numpy: bool = True,
               convert_to_tensor: bool = False, device: Optional[str] = None, normalize_embeddings: bool = False):
        """Embeds a str (a 1-D float32 array) or a list of str (2-D, one row each), as
        sentence-transformers does. The model's own Normalize module applies as there;
        normalize_embeddings=True forces unit length. output_value="token_embeddings" gives
        each text's last hidden state [tokens, hidden] instead (a list of arrays; one array for
        a str). prompt_name picks one of the model's prompts (config_sentence_transformers.json;
        default: its default_prompt_name), prompt gives the text itself; either goes before each
        sentence. Batches are the library's token-budget batches, whatever batch_size says
        (it only sets how often the progress bar moves)."""
        if convert_to_tensor:
            raise _bertc.Error("convert_to_tensor=True: bertc returns numpy arrays (torch.from_numpy() wraps one without a copy)")
        if device not in (None, "cpu"):
            raise _bertc.Error(f"device {device!r}: bertc runs on the CPU")
        if precision != "float32":
            raise _bertc.Error(f"precision {precision!r}: bertc's embeddings are float32")
        if output_value not in ("sentence_embedding", "token_embeddings"):
            raise _bertc.Error(f"output_value {output_value!r}: use sentence_embedding or token_embeddings")
        single = isinstance(sentences, str)
        texts = [sentences] if single else list(sentences)
        if prompt is not None:  # the text itself: put it here, and no named prompt below
            if not self._pipeline.include_prompt:
                raise _bertc.Error("prompt=: this model leaves its prompts out of the pooling (include_prompt "
                                   "false); give one of its prompt names as prompt_name")
            texts = [prompt + t for t in texts]
            prompt_name = ""
        if output_value == "token_embeddings":
            out = _in_chunks(lambda chunk: self._pipeline.token_embeddings(chunk, prompt_name), texts, batch_size,
                             show_progress_bar)
            return out[0] if single else out
        if not texts:
            return np.zeros((0, self.get_sentence_embedding_dimension()), np.float32)
        normalize = True if normalize_embeddings else None
        parts = _in_chunks(lambda chunk: [self._pipeline.embed(chunk, normalize, prompt_name)], texts, batch_size,
                           show_progress_bar)
        out = np.concatenate(parts) if len(parts) != 1 else parts[0]
        if single:
            out = out[0]
        return out if convert_to_numpy else list(out)


def _in_chunks(run, texts, batch_size, show_progress_bar):
    """run(texts) -> list, called once on all texts, or with show_progress_bar on chunks of
    8 x batch_size texts (token-budget batches form inside each) while a bar counts them."""
    if not show_progress_bar or not texts:
        return run(texts)
    out = []
    chunk = max(batch_size, 1) * 8
    with progress_bar(len(texts), "Batches") as bar:
        for start in range(0, len(texts), chunk):
            out += run(texts[start:start + chunk])
            bar.update(min(chunk, len(texts) - start))
    return out


class CrossEncoder:
    """A cross-encoder (a sequence classifier scoring text pairs): predict(pairs), rank(query, docs)."""

    def __init__(self, model_name_or_path, threads=None, max_batch_tokens=4096):
        self._pipeline = _bertc.Pipeline(str(model_name_or_path), max_batch_tokens, threads or 0)
        if self._pipeline.task != "classification":
            raise _bertc.Error(f"{model_name_or_path}: is not a classifier; a CrossEncoder scores pairs")

    def predict(self, sentences, batch_size=32, show_progress_bar=None, apply_softmax=False,
                convert_to_numpy=True):
        """Scores [text, pair] pairs: one score each for a one-label model (its sigmoid, as
        sentence-transformers' default activation), else the logits (softmax with
        apply_softmax). A single pair gives a scalar / 1-D result."""
        single = len(sentences) == 2 and all(isinstance(s, str) for s in sentences)
        pairs = [sentences] if single else [list(p) for p in sentences]
        logits, probs = self._pipeline.classify([p[0] for p in pairs], [p[1] for p in pairs])
        if logits.shape[1] == 1:
            scores = probs[:, 0]
        elif apply_softmax:
            scores = probs
        else:
            scores = logits
        if single:
            scores = scores[0]
        return scores if convert_to_numpy else scores.tolist()

    def rank(self, query, documents, top_k=None, return_documents=False, batch_size=32):
        """[{"corpus_id", "score"[, "text"]}] best first, as sentence-transformers' rank() (a
        one-label model only)."""
        ranks = []
        for i, score in self._pipeline.rerank(query, list(documents), top_k or 0):
            r = {"corpus_id": i, "score": score}
            if return_documents:
                r["text"] = documents[i]
            ranks.append(r)
        return ranks
