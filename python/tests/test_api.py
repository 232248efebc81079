"""The Python API against the library underneath (the C++ Pipeline through `bertc run`, and the
ONNX fixtures' PyTorch reference outputs)."""
import json
import pathlib
import subprocess
import threading

import numpy as np
import pytest

import bertc
import bertc.dask
from conftest import BINARY, FIXTURES

TEXTS = ["hello world", "the deep learning text", "a", "word word word of the world"]


def bertc_run(model, *args):
    out = subprocess.run([str(BINARY / "bertc"), "run", str(model), *args, "--json"],
                         check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_sentence_transformer_matches_bertc_run(embedder):
    model = bertc.SentenceTransformer(embedder)
    got = model.encode(TEXTS)
    assert got.shape == (4, model.get_sentence_embedding_dimension()) and got.dtype == np.float32
    for text, row in zip(TEXTS, got):
        want = bertc_run(embedder, "--text", text)[0]["embedding"]
        np.testing.assert_allclose(row, want, atol=1e-6)
    one = model.encode(TEXTS[1])
    assert one.ndim == 1
    np.testing.assert_allclose(one, got[1], atol=1e-6)
    unit = model.encode(TEXTS, normalize_embeddings=True)
    np.testing.assert_allclose(np.linalg.norm(unit, axis=1), 1.0, atol=1e-6)
    np.testing.assert_allclose(unit, got / np.linalg.norm(got, axis=1, keepdims=True), atol=1e-6)
    bar = model.encode(TEXTS, show_progress_bar=True, batch_size=1)
    np.testing.assert_allclose(bar, got, atol=1e-6)
    assert model.max_seq_length == 40


def test_text_classification_pipeline(classifier):
    clf = bertc.pipeline("text-classification", model=classifier)
    want = bertc_run(classifier, "--text", TEXTS[0])[0]
    best = clf(TEXTS[0])
    assert len(best) == 1 and set(best[0]) == {"label", "score"}
    probs = dict(zip(want["labels"], want["probabilities"]))
    assert best[0]["label"] == max(probs, key=probs.get)
    assert best[0]["score"] == pytest.approx(max(probs.values()), abs=1e-6)
    every = clf(TEXTS[0], top_k=None)
    assert [p["label"] for p in every] == sorted(probs, key=lambda k: -probs[k])
    for p in every:
        assert p["score"] == pytest.approx(probs[p["label"]], abs=1e-6)
    raw = clf(TEXTS[0], top_k=None, function_to_apply="none")
    logits = dict(zip(want["labels"], want["logits"]))
    for p in raw:
        assert p["score"] == pytest.approx(logits[p["label"]], abs=1e-6)
    pair = clf({"text": "hello", "text_pair": "world"}, top_k=None)
    want_pair = bertc_run(classifier, "--text", "hello", "--text-pair", "world")[0]
    for p in pair:
        assert p["score"] == pytest.approx(dict(zip(want_pair["labels"], want_pair["probabilities"]))[p["label"]], abs=1e-6)
    assert len(clf(TEXTS)) == len(TEXTS)


def test_feature_extraction_pipeline(embedder):
    fe = bertc.pipeline("feature-extraction", model=embedder)
    want = bertc.SentenceTransformer(embedder).encode(TEXTS[0])
    np.testing.assert_allclose(np.array(fe(TEXTS[0])[0]), want, atol=1e-6)


def test_cross_encoder(classifier):
    ce = bertc.CrossEncoder(classifier)
    scores = ce.predict([["hello", "world"], ["the", "text"]], apply_softmax=True)
    want = bertc_run(classifier, "--text", "hello", "--text-pair", "world")[0]
    np.testing.assert_allclose(scores[0], want["probabilities"], atol=1e-6)
    np.testing.assert_allclose(ce.predict(["hello", "world"]), want["logits"], atol=1e-6)  # one pair
    with pytest.raises(bertc.Error, match="one-label"):
        ce.rank("hello", ["world", "text", "a"])


def test_inference_session_matches_reference(onnx_fixture):
    sess = bertc.InferenceSession(str(onnx_fixture / "model.onnx"))
    names = [i.name for i in sess.get_inputs()]
    assert set(names) == {"input_ids", "attention_mask", "token_type_ids"}
    assert all(i.type == "tensor(int64)" for i in sess.get_inputs())
    feeds = {n: np.load(onnx_fixture / "inputs" / f"{n}.npy") for n in names}
    (logits,) = sess.run(["logits"], feeds)
    np.testing.assert_allclose(logits, np.load(onnx_fixture / "outputs" / "logits.npy"), atol=1e-4)
    # int32 feeds and non-contiguous arrays work too.
    feeds32 = {n: np.asfortranarray(v.astype(np.int32)) for n, v in feeds.items()}
    np.testing.assert_allclose(sess.run(None, feeds32)[0], logits, atol=1e-6)


ONNX_FIXTURES = sorted(p.parent.name for p in FIXTURES.glob("*/model.onnx") if (p.parent / "outputs").is_dir())


@pytest.mark.parametrize("name", ONNX_FIXTURES)
def test_inference_session_on_every_onnx_fixture(name):
    """Every committed ONNX export, every output, against PyTorch's (1e-3: -O3 fast math). Rows
    of per-token outputs at padding are zeros in bertc (packed execution), so only real tokens
    are compared."""
    folder = FIXTURES / name
    sess = bertc.InferenceSession(str(folder / "model.onnx"))
    feeds = {i.name: np.load(folder / "inputs" / f"{i.name}.npy") for i in sess.get_inputs()}
    real = feeds["attention_mask"].astype(bool)
    names = [o.name for o in sess.get_outputs()]
    assert sorted(names) == sorted(p.stem for p in (folder / "outputs").glob("*.npy"))
    for out_name, got in zip(names, sess.run(None, feeds)):
        want = np.load(folder / "outputs" / f"{out_name}.npy")
        assert got.shape == want.shape, out_name
        if got.ndim == 3:  # [batch, seq, hidden]
            assert not got[~real].any(), f"{out_name}: padding rows are not zero"
            got, want = got[real], want[real]
        np.testing.assert_allclose(got, want, atol=1e-3, err_msg=out_name)


def test_errors(onnx_fixture, tmp_path):
    sess = bertc.InferenceSession(str(onnx_fixture / "model.onnx"))
    names = [i.name for i in sess.get_inputs()]
    feeds = {n: np.load(onnx_fixture / "inputs" / f"{n}.npy") for n in names}
    with pytest.raises(bertc.Error, match="attention_mask"):
        sess.run(None, {k: v for k, v in feeds.items() if k != "attention_mask"})
    with pytest.raises(bertc.Error, match="input_ids"):
        sess.run(None, {**feeds, "input_ids": feeds["input_ids"].astype(np.float32)})
    with pytest.raises(bertc.Error, match="no output named"):
        sess.run(["nope"], feeds)
    with pytest.raises(bertc.Error, match="no_such"):
        bertc.InferenceSession(str(tmp_path / "no_such.bertc"))
    assert issubclass(bertc.Error, ValueError)


def test_compile_save_load(onnx_fixture, tmp_path):
    out = tmp_path / "m.bertc"
    bertc.compile(onnx_fixture / "model.onnx", output=out)
    assert bertc.load(out).num_nodes > 0
    sess = bertc.InferenceSession(out)
    names = [i.name for i in sess.get_inputs()]
    feeds = {n: np.load(onnx_fixture / "inputs" / f"{n}.npy") for n in names}
    np.testing.assert_allclose(sess.run(None, feeds)[0], np.load(onnx_fixture / "outputs" / "logits.npy"), atol=1e-4)


def test_compile_int8(onnx_fixture, tmp_path):
    out = tmp_path / "m8.bertc"
    bertc.compile(onnx_fixture / "model.onnx", output=out, precision="int8")
    sess = bertc.InferenceSession(out)
    feeds = {i.name: np.load(onnx_fixture / "inputs" / f"{i.name}.npy") for i in sess.get_inputs()}
    np.testing.assert_allclose(sess.run(None, feeds)[0], np.load(onnx_fixture / "outputs" / "logits.npy"), rtol=0.05, atol=0.05)
    with pytest.raises(bertc.Error, match="unknown precision 'int4'"):
        bertc.compile(onnx_fixture / "model.onnx", precision="int4")


def test_compile_bf16_runs_or_says_why_not(onnx_fixture, tmp_path):
    out = tmp_path / "mbf.bertc"
    try:
        bertc.compile(onnx_fixture / "model.onnx", output=out, precision="bf16")
    except bertc.Error as e:  # a CPU without avx512_bf16: refused, never emulated slowly
        assert "avx512_bf16" in str(e) and "--precision fp32" in str(e)
        assert not out.exists()
        return
    sess = bertc.InferenceSession(out)
    feeds = {i.name: np.load(onnx_fixture / "inputs" / f"{i.name}.npy") for i in sess.get_inputs()}
    np.testing.assert_allclose(sess.run(None, feeds)[0], np.load(onnx_fixture / "outputs" / "logits.npy"), rtol=0.01, atol=0.01)


def test_two_threads_encode_at_once(embedder):
    model = bertc.SentenceTransformer(embedder)
    want = model.encode(TEXTS * 50)
    results = [None, None]

    def work(i):
        results[i] = model.encode(TEXTS * 50)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for r in results:
        np.testing.assert_allclose(r, want, atol=1e-6)


def test_token_embeddings(embedder):
    model = bertc.SentenceTransformer(embedder)
    tokens = model.encode(TEXTS, output_value="token_embeddings")
    tok = bertc.Tokenizer.from_file(embedder)
    sess = bertc.InferenceSession(embedder)
    for text, states in zip(TEXTS, tokens):
        feeds = tok(text, return_tensors="np")
        (hidden,) = sess.run(["last_hidden_state"], {i.name: feeds[i.name] for i in sess.get_inputs()})
        assert states.shape == hidden.shape[1:] and states.dtype == np.float32
        np.testing.assert_allclose(states, hidden[0], atol=1e-5)  # packed batches vs one padded run
    np.testing.assert_allclose(np.stack([t.mean(axis=0) for t in tokens]), model.encode(TEXTS), atol=1e-6)
    one = model.encode(TEXTS[2], output_value="token_embeddings")
    np.testing.assert_allclose(one, tokens[2], atol=1e-6)
    with pytest.raises(bertc.Error, match="output_value"):
        model.encode(TEXTS, output_value="nope")


def test_stub_matches_the_module():
    """python/bertc/_bertc.pyi declares exactly the module's public names and methods."""
    import ast
    import inspect
    stub = ast.parse((pathlib.Path(bertc.__file__).parent / "_bertc.pyi").read_text())
    declared = {}
    for node in stub.body:
        if isinstance(node, ast.ClassDef):
            declared[node.name] = {n.name for n in node.body if isinstance(n, ast.FunctionDef)} - {"__init__"}
        elif isinstance(node, ast.FunctionDef):
            declared[node.name] = None
    public = {n for n in dir(bertc._bertc) if not n.startswith("_")}
    assert set(declared) == public
    for name, methods in declared.items():
        obj = getattr(bertc._bertc, name)
        if methods is not None and not issubclass(obj, Exception):
            assert methods == {n for n in vars(obj) if not n.startswith("_")}, name
        assert inspect.getdoc(obj), f"{name} has no docstring"


def test_empty_and_help(embedder):
    model = bertc.SentenceTransformer(embedder)
    assert model.encode([]).shape == (0, model.get_sentence_embedding_dimension())
    assert model.encode([], output_value="token_embeddings") == []
    for api in (bertc.SentenceTransformer.encode, bertc.InferenceSession.run, bertc.CrossEncoder.predict,
                bertc.pipeline, bertc.Tokenizer.__call__, bertc.compile, bertc.dask.encode):
        assert api.__doc__, api


def test_token_classification_pipeline(token_classifier, classifier):
    ner = bertc.pipeline("token-classification", model=token_classifier)
    text = "hello world the deep learning text"
    want = bertc_run(token_classifier, "--text", text)[0]["entities"]
    got = ner(text)
    assert [e["entity"] for e in got] == [e["entity"] for e in want]
    for g, w in zip(got, want):
        assert set(g) == {"entity", "score", "index", "word", "start", "end"}
        assert g["score"] == pytest.approx(w["score"], abs=1e-6)
        assert (g["index"], g["word"], g["start"], g["end"]) == (w["index"], w["word"], w["start"], w["end"])
    grouped = bertc.pipeline("ner", model=token_classifier, aggregation_strategy="simple")([text, "a b"])
    want_grouped = bertc_run(token_classifier, "--aggregation", "simple", "--text", text)[0]["entities"]
    assert len(grouped) == 2 and [e["entity_group"] for e in grouped[0]] == [e["entity_group"] for e in want_grouped]
    with pytest.raises(bertc.Error, match="aggregation"):
        ner(text, aggregation_strategy="mean")
    with pytest.raises(bertc.Error, match="not a token classifier"):
        bertc.pipeline("token-classification", model=classifier)


def test_cross_encoder_rank(cross_encoder):
    ce = bertc.CrossEncoder(cross_encoder)
    docs = ["hello world", "the deep learning text", "a", "word of the world"]
    scores = ce.predict([["deep learning", d] for d in docs])
    ranks = ce.rank("deep learning", docs, return_documents=True)
    assert [r["corpus_id"] for r in ranks] == sorted(range(len(docs)), key=lambda i: -scores[i])
    for r in ranks:
        assert r["score"] == pytest.approx(float(scores[r["corpus_id"]]), abs=1e-6)
        assert r["text"] == docs[r["corpus_id"]]
    assert len(ce.rank("deep learning", docs, top_k=2)) == 2


def test_prompts(embedder, tmp_path):
    import shutil
    folder = tmp_path / "prompted"
    shutil.copytree(embedder, folder)
    (folder / "config_sentence_transformers.json").write_text(
        json.dumps({"prompts": {"query": "query: ", "passage": "passage: "}, "default_prompt_name": "query"}))
    model = bertc.SentenceTransformer(folder)
    assert model.prompts == {"query": "query: ", "passage": "passage: "} and model.default_prompt_name == "query"
    plain = bertc.SentenceTransformer(embedder)
    np.testing.assert_allclose(model.encode("hello"), plain.encode("query: hello"), atol=1e-6)  # the default
    np.testing.assert_allclose(model.encode("hello", prompt_name="passage"), plain.encode("passage: hello"), atol=1e-6)
    np.testing.assert_allclose(model.encode("hello", prompt="custom "), plain.encode("custom hello"), atol=1e-6)
    np.testing.assert_allclose(model.encode("hello", prompt_name=""), plain.encode("hello"), atol=1e-6)
    tokens = model.encode("hello", prompt_name="passage", output_value="token_embeddings")
    np.testing.assert_allclose(tokens, plain.encode("passage: hello", output_value="token_embeddings"), atol=1e-6)
    with pytest.raises(bertc.Error, match="no prompt named 'doc'"):
        model.encode("hello", prompt_name="doc")
    want = bertc_run(folder, "--text", "hello", "--prompt", "passage")[0]["embedding"]
    np.testing.assert_allclose(model.encode("hello", prompt_name="passage"), want, atol=1e-6)
