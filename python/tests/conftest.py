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


@pytest.fixture(scope="session")
def cross_encoder(tmp_path_factory, classifier):
    """The classifier with only its first label's row of the head: a one-logit cross-encoder."""
    import struct
    out = tmp_path_factory.mktemp("models") / "cross_encoder"
    shutil.copytree(classifier, out)
    config = json.loads((out / "config.json").read_text())
    config["id2label"], config["label2id"] = {"0": "LABEL_0"}, {"LABEL_0": 0}
    (out / "config.json").write_text(json.dumps(config))
    raw = (out / "model.safetensors").read_bytes()
    n = struct.unpack("<Q", raw[:8])[0]
    header, data = json.loads(raw[8:8 + n]), raw[8 + n:]
    new_header, new_data = {}, b""
    for name, t in header.items():
        if name == "__metadata__":
            continue
        begin, end = t["data_offsets"]
        shape = list(t["shape"])
        if name.startswith("classifier."):  # [labels, hidden] / [labels]: keep row 0
            end = begin + (end - begin) // shape[0]
            shape[0] = 1
        new_header[name] = {"dtype": t["dtype"], "shape": shape, "data_offsets": [len(new_data), len(new_data) + end - begin]}
        new_data += data[begin:end]
    h = json.dumps(new_header).encode()
    (out / "model.safetensors").write_bytes(struct.pack("<Q", len(h)) + h + new_data)
    return out
