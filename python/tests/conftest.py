"""Fixtures of the Python tests: models made from the committed fixtures (tests/fixtures/hf:
random weights in real architectures, and a vocabulary that spells any ASCII text), and the
bertc command for cross-checks."""
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
    lines = (FIXTURES / "hf" / "vocab.txt").read_text().splitlines()[:size]
    (out / "vocab.txt").write_text("\n".join(lines) + "\n")
    return out


@pytest.fixture(scope="session")
def embedder(tmp_path_factory):
    """The BertModel fixture with sentence-transformers' mean pooling."""
    out = _text_model(tmp_path_factory.mktemp("models"), "bert")
    hidden = json.loads((out / "config.json").read_text())["hidden_size"]
    (out / "1_Pooling").mkdir()
    (out / "1_Pooling" / "config.json").write_text(json.dumps({
        "word_embedding_dimension": hidden, "pooling_mode_cls_token": False,
        "pooling_mode_mean_tokens": True, "pooling_mode_max_tokens": False,
        "pooling_mode_mean_sqrt_len_tokens": False}))
    (out / "modules.json").write_text(json.dumps([
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}]))
    return out


@pytest.fixture(scope="session")
def classifier(tmp_path_factory):
    """The BertForSequenceClassification fixture (labels negative, neutral, positive)."""
    return _text_model(tmp_path_factory.mktemp("models"), "bert_cls")


@pytest.fixture(scope="session")
def onnx_fixture():
    return FIXTURES / "bert_cls_opset14"
