"""Fixtures of the Python tests: text models made from the committed fixtures (tests/fixtures/hf
with tests/fixtures/text_models, see its README.md), and where the bertc command is."""
import json
import os
import pathlib
import shutil

import pytest

SOURCE = pathlib.Path(os.environ.get("BERTC_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))
BINARY = pathlib.Path(os.environ.get("BERTC_BINARY_DIR", SOURCE / "build"))
FIXTURES = SOURCE / "tests" / "fixtures"


def _text_model(tmp, name):
    out = tmp / name
    src = FIXTURES / "hf" / name
    out.mkdir()
    for f in ("config.json", "model.safetensors"):
        shutil.copy(src / f, out / f)
    size = json.loads((src / "config.json").read_text())["vocab_size"]
    lines = (FIXTURES / "text_models" / "ascii_vocab.txt").read_text().splitlines()[:size]
    (out / "vocab.txt").write_text("\n".join(lines) + "\n")
    return out


@pytest.fixture(scope="session")
def embedder(tmp_path_factory):
    """The BertModel fixture with sentence-transformers' mean pooling."""
    out = _text_model(tmp_path_factory.mktemp("models"), "bert")
    shutil.copytree(FIXTURES / "text_models" / "mean_pooling", out, dirs_exist_ok=True)
    return out


@pytest.fixture(scope="session")
def classifier(tmp_path_factory):
    """The BertForSequenceClassification fixture (labels negative, neutral, positive)."""
    return _text_model(tmp_path_factory.mktemp("models"), "bert_cls")


@pytest.fixture(scope="session")
def onnx_fixture():
    return FIXTURES / "bert_cls_opset14"


@pytest.fixture(scope="session")
def token_classifier(tmp_path_factory):
    """The BertForTokenClassification fixture (labels O, B-PER, I-PER, B-ORG, I-ORG, B-LOC, I-LOC)."""
    return _text_model(tmp_path_factory.mktemp("models"), "bert_tok")
