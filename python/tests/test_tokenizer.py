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
