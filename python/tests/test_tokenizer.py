"""bertc.Tokenizer called like a Hugging Face tokenizer, against `bertc tokenize` (the C++
tokenizer that the oracle tests hold to Hugging Face's)."""
import json
import subprocess

import numpy as np
import pytest

import bertc
from conftest import BINARY, FIXTURES

VOCAB = FIXTURES / "text_models" / "ascii_vocab.txt"


def cli(text, pair=None):
    args = [str(BINARY / "bertc"), "tokenize", str(VOCAB), "--text", text, "--json"]
    if pair is not None:
        args += ["--text-pair", pair]
    return json.loads(subprocess.run(args, check=True, capture_output=True, text=True).stdout.splitlines()[0])


def test_call_matches_the_library():
    tok = bertc.Tokenizer.from_file(VOCAB)
    got = tok("Hello, world!")
    want = cli("Hello, world!")
    assert got["input_ids"] == want["ids"]
    assert got["token_type_ids"] == want["type_ids"]
    assert got["attention_mask"] == want["attention_mask"]
    assert tok.convert_ids_to_tokens(got["input_ids"]) == want["tokens"]
    pair = tok("hello", text_pair="the world")
    want = cli("hello", "the world")
    assert pair["input_ids"] == want["ids"] and pair["token_type_ids"] == want["type_ids"]


def test_padding_truncation_and_tensors():
    tok = bertc.Tokenizer.from_file(VOCAB)
    batch = tok(["hello", "hello world of text"], padding=True, return_tensors="np")
    assert batch["input_ids"].shape == (2, 6) and batch["input_ids"].dtype == np.int64
    assert batch["attention_mask"].tolist() == [[1, 1, 1, 0, 0, 0], [1, 1, 1, 1, 1, 1]]
    assert batch["input_ids"][0, 3:].tolist() == [tok.convert_tokens_to_ids("[PAD]")] * 3
    cut = tok("hello world of the text", truncation=True, max_length=4)
    assert tok.convert_ids_to_tokens(cut["input_ids"]) == ["[CLS]", "hello", "world", "[SEP]"]
    fixed = tok("hello", padding="max_length", max_length=8)
    assert len(fixed["input_ids"]) == 8 and sum(fixed["attention_mask"]) == 3
    with pytest.raises(bertc.Error, match="padding=True"):
        tok(["hello", "hello world"], return_tensors="np")


def test_decode():
    tok = bertc.Tokenizer.from_file(VOCAB)
    ids = tok("Hello, world! the texts")["input_ids"]
    assert tok.decode(ids) == "[CLS] hello, world! the texts [SEP]"
    assert tok.decode(ids, skip_special_tokens=True) == "hello, world! the texts"


SHARED = FIXTURES.parent.parent.parent / "shared" / "data"
ORACLE = FIXTURES / "tokenizer"


@pytest.mark.skipif(not (SHARED / "roberta-base" / "vocab.json").exists(),
                    reason="needs ../shared/data/roberta-base (the real tokenizer files)")
@pytest.mark.parametrize("folder,oracle", [("roberta-base", "roberta_base"), ("t5-small", "t5_small")])
def test_offsets_and_decode_match_hugging_face(folder, oracle):
    """Byte-level BPE and Unigram from Python: ids, character offsets (Hugging Face's
    offset_mapping) and decode against the Rust tokenizers' results on the oracle corpus."""
    tok = bertc.Tokenizer.from_file(SHARED / folder)
    corpus = [json.loads(line) for line in open(ORACLE / "corpus.jsonl", encoding="utf-8")]
    expected = [json.loads(line) for line in open(ORACLE / f"expected_{oracle}.jsonl", encoding="utf-8")]
    for case, want in zip(corpus, expected):
        inp, r = case["inputs"][0], want["results"][0]
        got = tok(inp["text"], text_pair=inp.get("pair"), return_offsets_mapping=True)
        assert got["input_ids"] == r["ids"], case["id"]
        assert tok.decode(got["input_ids"]) == r["decode"], case["id"]
        assert tok.decode(got["input_ids"], skip_special_tokens=True) == r["decode_skip"], case["id"]
        if "pair" in inp:
            continue
        text = inp["text"].encode("utf-8")
        chars = [(len(text[:b].decode("utf-8")), len(text[:e].decode("utf-8"))) for b, e in r["offsets"]]
        assert got["offset_mapping"] == chars, case["id"]


def test_a_byte_level_bpe_folder_from_vocab_json_and_merges(tmp_path):
    (tmp_path / "vocab.json").write_text(json.dumps({"<s>": 0, "<pad>": 1, "</s>": 2, "h": 3, "i": 4,
                                                     "hi": 5, "\u0120": 6, "\u0120hi": 7}))
    (tmp_path / "merges.txt").write_text("#version: 0.2\nh i\n\u0120 hi\n")
    tok = bertc.Tokenizer.from_file(tmp_path)
    got = tok("hi hi", return_offsets_mapping=True)
    assert got["input_ids"] == [0, 5, 7, 2]
    assert got["offset_mapping"] == [(0, 0), (0, 2), (3, 5), (0, 0)]
    assert tok.decode(got["input_ids"]) == "<s>hi hi</s>"
    with pytest.raises(bertc.Error, match="id 99 is outside the vocabulary"):
        tok.decode([99])
