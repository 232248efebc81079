#!/usr/bin/python3
"""Regenerates the seed corpora fuzz/corpus/<target>/ from the committed fixtures and small
hand-made files: tiny valid inputs of every format plus a few edge cases. Run with Debian's
/usr/bin/python3 (standard library only); the bundle seeds need a built `bertc` (--bertc,
default build/bertc) and are left as they are without one. Files are written by name, so other
files in the corpora (e.g. regression inputs added by hand) stay. Deterministic.

    /usr/bin/python3 fuzz/make_seeds.py [--bertc build/bertc]
"""
import argparse
import io
import base64
import json
import os
import pathlib
import random
import struct
import subprocess
import sys
import tempfile
import zipfile
import zlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
CORPUS = ROOT / "fuzz" / "corpus"


def put(target, name, data):
    d = CORPUS / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data.encode() if isinstance(data, str) else data)


# ---- protobuf wire format (just what ONNX needs) ----------------------------------------------


def varint(n):
    n &= (1 << 64) - 1
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def pb_int(field, v):
    return varint(field << 3) + varint(v)


def pb_bytes(field, b):
    b = b.encode() if isinstance(b, str) else b
    return varint(field << 3 | 2) + varint(len(b)) + b


def pb_float(field, x):
    return varint(field << 3 | 5) + struct.pack("<f", x)


def read_varint(buf, i):
    """The varint at buf[i:] and the index after it."""
    v, shift = 0, 0
    while True:
        b = buf[i]
        i += 1
        v |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return v, i


def pb_parse(buf):
    """[(field, wire type, value)]: value is an int (varint) or the raw bytes."""
    out, i = [], 0
    while i < len(buf):
        key, i = read_varint(buf, i)
        field, wt = key >> 3, key & 7
        if wt == 0:
            v, i = read_varint(buf, i)
        elif wt == 2:
            n, i = read_varint(buf, i)
            v = buf[i : i + n]
            i += n
        elif wt in (1, 5):
            n = 8 if wt == 1 else 4
            v = buf[i : i + n]
            i += n
        else:
            raise ValueError("unsupported wire type %d" % wt)
        out.append((field, wt, v))
    return out


def pb_encode(fields):
    out = bytearray()
    for field, wt, v in fields:
        out += varint(field << 3 | wt)
        if wt == 0:
            out += varint(v)
        elif wt == 2:
            out += varint(len(v)) + v
        else:
            out += v
    return bytes(out)


# ---- ONNX -------------------------------------------------------------------------------------

FLOAT, INT64 = 1, 7


def tensor(name, dims, dtype, raw=None, external=None):
    t = b"".join(pb_int(1, d) for d in dims) + pb_int(2, dtype) + pb_bytes(8, name)
    if raw is not None:
        t += pb_bytes(9, raw)
    if external is not None:
        for k, v in external:
            t += pb_bytes(13, pb_bytes(1, k) + pb_bytes(2, v))
        t += pb_int(14, 1)
    return t


def floats(values):
    return struct.pack("<%df" % len(values), *values)


def int64s(values):
    return struct.pack("<%dq" % len(values), *values)


def value_info(name, dtype, dims):
    shape = b"".join(
        pb_bytes(1, pb_bytes(2, d) if isinstance(d, str) else pb_int(1, d)) for d in dims
    )
    return pb_bytes(1, name) + pb_bytes(2, pb_bytes(1, pb_int(1, dtype) + pb_bytes(2, shape)))


def attr(name, v):
    if isinstance(v, int):
        return pb_bytes(1, name) + pb_int(3, v) + pb_int(20, 2)
    if isinstance(v, float):
        return pb_bytes(1, name) + pb_float(2, v) + pb_int(20, 1)
    if isinstance(v, list):
        return pb_bytes(1, name) + b"".join(pb_int(8, i) for i in v) + pb_int(20, 7)
    return pb_bytes(1, name) + pb_bytes(5, v) + pb_int(20, 4)  # a TensorProto


def node(op, inputs, outputs, **attrs):
    n = b"".join(pb_bytes(1, i) for i in inputs) + b"".join(pb_bytes(2, o) for o in outputs)
    n += pb_bytes(3, outputs[0] + "_node") + pb_bytes(4, op)
    return n + b"".join(pb_bytes(5, attr(k, v)) for k, v in attrs.items())


def model(nodes, inputs, outputs, initializers=(), opset=14, ir_version=8):
    g = b"".join(pb_bytes(1, n) for n in nodes) + pb_bytes(2, "g")
    g += b"".join(pb_bytes(5, t) for t in initializers)
    g += b"".join(pb_bytes(11, v) for v in inputs) + b"".join(pb_bytes(12, v) for v in outputs)
    return pb_int(1, ir_version) + pb_bytes(8, pb_int(2, opset)) + pb_bytes(7, g)


def rnd(n, rng):
    return [round(rng.uniform(-1, 1), 3) for _ in range(n)]


def externalize(onnx_bytes, data_size):
    """The model with every float initializer over 256 bytes moved to external data at offset 0
    of model.onnx.data (the fuzz target puts bert_opset14_external's there): the graph stays
    whole and small; the weights' values do not matter to import."""
    fields = pb_parse(onnx_bytes)
    for i, (f, wt, v) in enumerate(fields):
        if f != 7:
            continue
        graph = pb_parse(v)
        for j, (gf, gwt, gv) in enumerate(graph):
            if gf != 5:
                continue
            t = pb_parse(gv)
            dtype = next((x for ff, _, x in t if ff == 2), 0)
            raw = next((x for ff, _, x in t if ff == 9), None)
            if dtype != FLOAT or raw is None or len(raw) <= 256 or len(raw) > data_size:
                continue
            t = [x for x in t if x[0] != 9]
            for k, val in (("location", "model.onnx.data"), ("offset", "0"), ("length", str(len(raw)))):
                t.append((13, 2, pb_bytes(1, k) + pb_bytes(2, val)))
            t.append((14, 0, 1))
            graph[j] = (gf, gwt, pb_encode(t))
        fields[i] = (f, wt, pb_encode(graph))
    return pb_encode(fields)


def onnx_seeds():
    rng = random.Random(1)
    # x + W, the smallest model.
    add = model(
        [node("Add", ["x", "W"], ["y"])],
        [value_info("x", FLOAT, ["batch", 4])],
        [value_info("y", FLOAT, ["batch", 4])],
        [tensor("W", [4], FLOAT, raw=floats(rnd(4, rng)))],
    )
    put("onnx_model", "add.onnx", add)
    # An embedding and attention-like block: ids -> Gather -> MatMul + b -> Reshape/Transpose ->
    # Softmax -> ReduceMean / Sqrt / Div (layer-norm-like) -> Erf GELU -> Cast / Unsqueeze mask.
    shape = tensor("shape", [4], INT64, raw=int64s([0, 0, 2, 2]))
    nodes = [
        node("Gather", ["emb", "input_ids"], ["e"]),
        node("MatMul", ["e", "Wq"], ["q0"]),
        node("Add", ["q0", "bq"], ["q"]),
        node("Constant", [], ["shape_c"], value=shape),
        node("Reshape", ["q", "shape_c"], ["q4"]),
        node("Transpose", ["q4"], ["qt"], perm=[0, 2, 1, 3]),
        node("Transpose", ["q4"], ["kt"], perm=[0, 2, 3, 1]),
        node("MatMul", ["qt", "kt"], ["s"]),
        node("Unsqueeze", ["attention_mask", "axes"], ["m0"]),
        node("Cast", ["m0"], ["m1"], to=FLOAT),
        node("Sub", ["one", "m1"], ["m2"]),
        node("Mul", ["m2", "neg"], ["m3"]),
        node("Add", ["s", "m3"], ["s1"]),
        node("Softmax", ["s1"], ["p"], axis=-1),
        node("MatMul", ["p", "qt"], ["c"]),
        node("Transpose", ["c"], ["ct"], perm=[0, 2, 1, 3]),
        node("Reshape", ["ct", "flat"], ["h"]),
        node("ReduceMean", ["h"], ["mu"], axes=[-1]),
        node("Sub", ["h", "mu"], ["d"]),
        node("Mul", ["d", "d"], ["d2"]),
        node("ReduceMean", ["d2"], ["var"], axes=[-1]),
        node("Sqrt", ["var"], ["sd"]),
        node("Div", ["d", "sd"], ["n"]),
        node("Div", ["n", "sqrt2"], ["g0"]),
        node("Erf", ["g0"], ["g1"]),
        node("Add", ["g1", "one"], ["g2"]),
        node("Mul", ["n", "g2"], ["last_hidden_state"]),
    ]
    inits = [
        tensor("emb", [8, 4], FLOAT, raw=floats(rnd(32, rng))),
        tensor("Wq", [4, 4], FLOAT, raw=floats(rnd(16, rng))),
        tensor("bq", [4], FLOAT, raw=floats(rnd(4, rng))),
        tensor("axes", [2], INT64, raw=int64s([1, 2])),
        tensor("one", [], FLOAT, raw=floats([1.0])),
        tensor("neg", [], FLOAT, raw=floats([-10000.0])),
        tensor("sqrt2", [], FLOAT, raw=floats([1.4142135])),
        tensor("flat", [3], INT64, raw=int64s([0, 0, 4])),
    ]
    block = model(
        nodes,
        [value_info("input_ids", INT64, ["batch", "seq"]),
         value_info("attention_mask", INT64, ["batch", "seq"])],
        [value_info("last_hidden_state", FLOAT, ["batch", "seq", 4])],
        inits,
    )
    put("onnx_model", "block_opset14.onnx", block)
    # Opset 11 forms: Squeeze / Unsqueeze axes attributes, Softmax's 2-D coercion, Gemm.
    old = model(
        [
            node("Unsqueeze", ["x"], ["x1"], axes=[0]),
            node("Squeeze", ["x1"], ["x2"], axes=[0]),
            node("Gemm", ["x2", "W", "b"], ["z"], transB=1, alpha=1.0),
            node("Softmax", ["z"], ["y"]),
        ],
        [value_info("x", FLOAT, ["batch", 4])],
        [value_info("y", FLOAT, ["batch", 3])],
        [tensor("W", [3, 4], FLOAT, raw=floats(rnd(12, rng))),
         tensor("b", [3], FLOAT, raw=floats(rnd(3, rng)))],
        opset=11,
    )
    put("onnx_model", "gemm_opset11.onnx", old)
    # LayerNormalization (opset 17) and an initializer in model.onnx.data.
    ln = model(
        [node("LayerNormalization", ["x", "gamma", "beta"], ["y"], axis=-1, epsilon=1e-5)],
        [value_info("x", FLOAT, ["batch", "seq", 4])],
        [value_info("y", FLOAT, ["batch", "seq", 4])],
        [tensor("gamma", [4], FLOAT, external=[("location", "model.onnx.data"), ("offset", "64"),
                                               ("length", "16")]),
         tensor("beta", [4], FLOAT, raw=floats(rnd(4, rng)))],
        opset=17,
    )
    put("onnx_model", "layernorm_external_opset17.onnx", ln)
    # Edge cases: unsupported op, unknown opset, IR version, nothing.
    put("onnx_model", "unsupported_op.onnx", model(
        [node("Foo", ["x"], ["y"]), node("Bar", ["y"], ["z"])],
        [value_info("x", FLOAT, [2])], [value_info("z", FLOAT, [2])]))
    put("onnx_model", "opset99.onnx", model(
        [node("Relu", ["x"], ["y"])], [value_info("x", FLOAT, [2])],
        [value_info("y", FLOAT, [2])], opset=99))
    put("onnx_model", "ir_version_99.onnx", model(
        [node("Relu", ["x"], ["y"])], [value_info("x", FLOAT, [2])],
        [value_info("y", FLOAT, [2])], ir_version=99))
    put("onnx_model", "empty.onnx", b"")
    # The real exports, weights in the external data file (~40-50 KB each).
    data_size = (FIXTURES / "bert_opset14_external" / "model.onnx.data").stat().st_size
    put("onnx_model", "bert_opset14_external.onnx",
        (FIXTURES / "bert_opset14_external" / "model.onnx").read_bytes())
    for name in ("bert_cls_opset11", "distilbert_opset17", "roberta_cls_opset14", "mpnet_opset14",
                 "modernbert_opset14", "deberta_opset14"):
        put("onnx_model", name + ".onnx",
            externalize((FIXTURES / name / "model.onnx").read_bytes(), data_size))
    # Real exports in ONNX Runtime's int8 forms: QDQ (QuantizeLinear / DequantizeLinear around
    # each MatMul) and quantize_dynamic's (uint8 embedding tables too).
    for name, form in (("bert_qdq_opset14.onnx", "bert_qdq"), ("bert_quantized_opset14.onnx", "bert")):
        put("onnx_model", name, externalize((FIXTURES / "quantized" / form / "model.onnx").read_bytes(), data_size))
    # The block in ONNX Runtime's quantize_dynamic form (DynamicQuantizeLinear, MatMulInteger).
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = pathlib.Path(tmp) / "block.onnx", pathlib.Path(tmp) / "block_quantized.onnx"
        src.write_bytes(block)
        subprocess.run(["/usr/bin/python3", str(ROOT / "tools" / "quantize_onnx.py"), str(src), str(dst)],
                       check=True, capture_output=True)
        put("onnx_model", "block_quantized_opset14.onnx", dst.read_bytes())
    return block


def external_data_seeds():
    w = floats([0.5, -1.0, 2.0, 3.25])
    seeds = {
        "plain": "location=weights.bin\noffset=0\nlength=16\n\n",
        "no_length": "location=weights.bin\n\n",
        "offset": "location=weights.bin\noffset=8\nlength=16\n\n" + "x" * 8,
        "checksum_unknown_keys": "location=weights.bin\nchecksum=abc\nbasepath=.\nlength=16\n\n",
        "dims_2x3": "dims=2,3\nlocation=weights.bin\nlength=24\n\n" + "y" * 8,
        "dims_empty_tensor": "dims=0,4\nlocation=weights.bin\nlength=0\n\n",
        "int64": "dtype=7\ndims=2\nlocation=weights.bin\n\n",
        "bool": "dtype=9\ndims=4\nlocation=weights.bin\n\n",
        "subdir": "location=./sub/../weights.bin\n\n",
        "self": "location=model.onnx\noffset=0\nlength=16\n\n",
        "escape": "location=../weights.bin\n\n",
        "absolute": "location=/etc/hostname\n\n",
        "no_location": "offset=0\n\n",
        "bad_offset": "location=weights.bin\noffset=-1\n\n",
        "past_end": "location=weights.bin\noffset=4\nlength=16\n\n",
    }
    for name, head in seeds.items():
        data = head.encode()
        if name != "int64":
            data += w
        else:
            data += int64s([1, -2])
        put("onnx_external_data", name, data)


# ---- .npy -------------------------------------------------------------------------------------


def npy(descr, shape, data, version=1, fortran=False, pad=True):
    shape_s = "(" + "".join("%d, " % d for d in shape).rstrip(" ") + ")"
    if len(shape) > 1:
        shape_s = shape_s.replace(",)", ")")
    header = "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }" % (descr, fortran, shape_s)
    lenbytes = 2 if version == 1 else 4
    if pad:
        total = 6 + 2 + lenbytes + len(header) + 1
        header += " " * ((64 - total % 64) % 64)
    header += "\n"
    n = struct.pack("<H" if version == 1 else "<I", len(header))
    return b"\x93NUMPY" + bytes([version, 0]) + n + header.encode("latin-1") + data


def npy_seeds():
    for f in ("input_ids", "attention_mask"):
        put("npy", f + ".npy", (FIXTURES / "bert_opset14" / "inputs" / (f + ".npy")).read_bytes())
    put("npy", "f4_2x3.npy", npy("<f4", [2, 3], floats([1, 2, 3, 4, 5, 6])))
    put("npy", "f8_v2.npy", npy("<f8", [2], struct.pack("<2d", 1.5, -2), version=2))
    put("npy", "i4_v3.npy", npy("<i4", [3], struct.pack("<3i", 1, 2, 3), version=3))
    put("npy", "i1.npy", npy("|i1", [4], bytes([1, 255, 3, 4])))
    put("npy", "u1.npy", npy("|u1", [1, 4], bytes([1, 2, 3, 4])))
    put("npy", "b1.npy", npy("|b1", [3], bytes([1, 0, 1])))
    put("npy", "scalar.npy", npy("<i8", [], int64s([7])))
    put("npy", "empty_0x3.npy", npy("<f4", [0, 3], b""))
    put("npy", "unpadded.npy", npy("<i8", [2], int64s([1, 2]), pad=False))
    put("npy", "fortran.npy", npy("<f4", [2, 2], floats([1, 2, 3, 4]), fortran=True))
    put("npy", "big_endian.npy", npy(">f4", [1], b"\x3f\x80\x00\x00"))
    put("npy", "truncated_data.npy", npy("<f4", [4], floats([1, 2])))
    put("npy", "version4.npy", npy("<f4", [1], floats([1]), version=1).replace(b"NUMPY\x01", b"NUMPY\x04", 1))


# ---- safetensors ------------------------------------------------------------------------------


def safetensors(tensors, metadata=None):
    """tensors: [(name, dtype, shape, bytes)] in order."""
    header, data = {}, b""
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, dtype, shape, raw in tensors:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    return struct.pack("<Q", len(h)) + h + data


TINY = {"hidden": 8, "heads": 2, "ffn": 16, "layers": 1, "vocab": 16, "pos": 10, "labels": 2}


def tiny_bert_tensors(rng):
    """The state_dict of a tiny BertForSequenceClassification (hidden 8, 1 layer, vocab 16)."""
    h, f, v, p = TINY["hidden"], TINY["ffn"], TINY["vocab"], TINY["pos"]
    t = [("bert.embeddings.word_embeddings.weight", [v, h]),
         ("bert.embeddings.position_embeddings.weight", [p, h]),
         ("bert.embeddings.token_type_embeddings.weight", [2, h]),
         ("bert.embeddings.LayerNorm.weight", [h]), ("bert.embeddings.LayerNorm.bias", [h])]
    for i in range(TINY["layers"]):
        l = "bert.encoder.layer.%d." % i
        for m in ("attention.self.query", "attention.self.key", "attention.self.value",
                  "attention.output.dense"):
            t += [(l + m + ".weight", [h, h]), (l + m + ".bias", [h])]
        t += [(l + "attention.output.LayerNorm.weight", [h]), (l + "attention.output.LayerNorm.bias", [h]),
              (l + "intermediate.dense.weight", [f, h]), (l + "intermediate.dense.bias", [f]),
              (l + "output.dense.weight", [h, f]), (l + "output.dense.bias", [h]),
              (l + "output.LayerNorm.weight", [h]), (l + "output.LayerNorm.bias", [h])]
    t += [("bert.pooler.dense.weight", [h, h]), ("bert.pooler.dense.bias", [h]),
          ("classifier.weight", [TINY["labels"], h]), ("classifier.bias", [TINY["labels"]])]
    out = []
    for name, shape in t:
        n = 1
        for d in shape:
            n *= d
        vals = [1.0] * n if name.endswith("LayerNorm.weight") else rnd(n, rng)
        out.append((name, shape, vals))
    return out


def tiny_bert_config():
    return json.dumps({
        "architectures": ["BertForSequenceClassification"], "model_type": "bert",
        "hidden_size": TINY["hidden"], "num_attention_heads": TINY["heads"],
        "intermediate_size": TINY["ffn"], "num_hidden_layers": TINY["layers"],
        "vocab_size": TINY["vocab"], "max_position_embeddings": TINY["pos"],
        "type_vocab_size": 2, "hidden_act": "gelu", "layer_norm_eps": 1e-12,
        "id2label": {"0": "no", "1": "yes"}, "label2id": {"no": 0, "yes": 1},
    }, indent=2)


def f16(x):
    return struct.pack("<e", x)


def bf16(x):
    return struct.pack("<f", x)[2:]


def safetensors_seeds(tiny):
    tiny_st = safetensors([(n, "F32", s, floats(v)) for n, s, v in tiny], {"format": "pt"})
    put("safetensors", "tiny_bert.safetensors", tiny_st)
    put("safetensors", "dtypes.safetensors", safetensors([
        ("f16", "F16", [2, 2], b"".join(f16(x) for x in (1, -2, 0.5, 65504))),
        ("bf16", "BF16", [3], b"".join(bf16(x) for x in (1, -2, 3e38))),
        ("f64", "F64", [2], struct.pack("<2d", 1e-300, -7)),
        ("i64", "I64", [1, 3], int64s([0, 1, 2])),
        ("scalar", "F32", [], floats([4])),
        ("empty", "F32", [0, 8], b""),
        ("u8", "U8", [2], b"\x01\x02"),
    ]))
    put("safetensors", "metadata_only.safetensors", safetensors([], {"format": "pt", "k": "v"}))
    put("safetensors", "empty_header.safetensors", struct.pack("<Q", 2) + b"{}")
    overlap = json.dumps({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                          "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}).encode()
    put("safetensors", "overlap.safetensors", struct.pack("<Q", len(overlap)) + overlap + bytes(12))
    put("safetensors", "header_too_long.safetensors", struct.pack("<Q", 1 << 40) + b"{}")
    return tiny_st


# ---- torch.save pickles and ZIPs ---------------------------------------------------------------


class Pickle:
    """Writes the opcodes torch.save (protocol 2) does for a state_dict."""

    def __init__(self):
        self.b = bytearray(b"\x80\x02")
        self.memo = {}  # "module name" -> memo index of that global

    def glob(self, mod, name):
        key = mod + " " + name
        if key in self.memo:
            self.b += b"h" + bytes([self.memo[key]])  # BINGET
        else:
            self.memo[key] = len(self.memo)
            self.b += b"c" + mod.encode() + b"\n" + name.encode() + b"\n"
            self.b += b"q" + bytes([self.memo[key]])  # BINPUT

    def str(self, s):
        s = s.encode()
        self.b += b"X" + struct.pack("<I", len(s)) + s

    def int(self, i):
        if 0 <= i < 256:
            self.b += b"K" + bytes([i])
        elif 0 <= i < 65536:
            self.b += b"M" + struct.pack("<H", i)
        else:
            self.b += b"J" + struct.pack("<i", i)

    def tuple(self, items):
        self.b += b"("
        for it in items:
            self.int(it)
        self.b += b"t"

    def tensor(self, storage_cls, key, numel, offset, shape, strides, parameter=False):
        if parameter:
            self.glob("torch._utils", "_rebuild_parameter")
            self.b += b"("
        self.glob("torch._utils", "_rebuild_tensor_v2")
        self.b += b"(("
        self.str("storage")
        self.glob("torch", storage_cls)
        self.str(key)
        self.str("cpu")
        self.int(numel)
        self.b += b"tQ"
        self.int(offset)
        self.tuple(shape)
        self.tuple(strides)
        self.b += b"\x89"  # requires_grad False
        self.glob("collections", "OrderedDict")
        self.b += b")Rt"  # backward_hooks = OrderedDict()
        self.b += b"R"
        if parameter:
            self.b += b"\x88"
            self.glob("collections", "OrderedDict")
            self.b += b")RtR"

    def state_dict(self, tensors):
        """tensors: [(name, storage_cls, key, numel, offset, shape, strides, parameter)]."""
        self.glob("collections", "OrderedDict")
        self.b += b")R("
        for name, *rest in tensors:
            self.str(name)
            self.tensor(*rest)
        self.b += b"u."
        return bytes(self.b)


def contiguous_strides(shape):
    s, acc = [], 1
    for d in reversed(shape):
        s.insert(0, acc)
        acc *= d
    return s


def torch_entries(pickle_bytes, storages):
    return [("archive/data.pkl", pickle_bytes)] + \
        [("archive/data/" + k, v) for k, v in storages] + [("archive/version", b"3\n")]


def torch_zip(pickle_bytes, storages):
    """A torch.save ZIP: archive/data.pkl, archive/data/<key>, archive/version; each entry's data
    64-byte aligned with an 'FB' padding extra field, as torch does."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        for name, data in torch_entries(pickle_bytes, storages):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            start = buf.tell() + 30 + len(name) + 4
            info.extra = struct.pack("<HH", 0x4246, (64 - start % 64) % 64) + bytes((64 - start % 64) % 64)
            with z.open(info, "w") as f:
                f.write(data)
    return buf.getvalue()


def zip64_stored(entries):
    """A ZIP whose central directory gives every size and offset in ZIP64 extra fields, with a
    ZIP64 end of central directory record and locator (zipfile writes those only past 4 GB)."""
    out, cdir = bytearray(), bytearray()
    for name, data in entries:
        n = name.encode()
        local, crc = len(out), zlib.crc32(data)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 45, 0, 0, 0, 0, crc, len(data), len(data), len(n), 0)
        out += n + data
        extra = struct.pack("<HHQQQ", 1, 24, len(data), len(data), local)
        cdir += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, 45, 0, 0, 0, 0, crc, 0xFFFFFFFF,
                            0xFFFFFFFF, len(n), len(extra), 0, 0, 0, 0, 0xFFFFFFFF)
        cdir += n + extra
    cd_offset = len(out)
    out += cdir
    end64 = len(out)
    out += struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, len(entries), len(entries),
                       len(cdir), cd_offset)
    out += struct.pack("<IIQI", 0x07064B50, 0, end64, 1)
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    return bytes(out)


def torch_seeds(tiny):
    real = zipfile.ZipFile(FIXTURES / "hf" / "bert_cls" / "pytorch_model.bin")
    put("torch_pickle", "bert_cls_data.pkl", real.read("pytorch_model/data.pkl"))
    # The tiny BERT: one storage per tensor, as torch.save writes a state_dict.
    entries, storages = [], []
    for i, (name, shape, vals) in enumerate(tiny):
        entries.append((name, "FloatStorage", str(i), len(vals), 0, shape, contiguous_strides(shape), False))
        storages.append((str(i), floats(vals)))
    pkl = Pickle().state_dict(entries)
    put("torch_pickle", "tiny_bert_data.pkl", pkl)
    put("torch_zip", "tiny_bert.bin", torch_zip(pkl, storages))
    # Views: tied weights on one storage, an offset, a transpose, other float and int dtypes,
    # a Parameter, an empty tensor and a scalar.
    views = [
        ("a", "FloatStorage", "0", 12, 0, [3, 4], [4, 1], False),
        ("a_tied", "FloatStorage", "0", 12, 0, [3, 4], [4, 1], False),
        ("a_row1", "FloatStorage", "0", 12, 4, [4], [1], False),
        ("a_T", "FloatStorage", "0", 12, 0, [4, 3], [1, 4], True),
        ("h", "HalfStorage", "1", 4, 0, [2, 2], [2, 1], False),
        ("bf", "BFloat16Storage", "2", 3, 0, [3], [1], False),
        ("d", "DoubleStorage", "3", 2, 0, [2], [1], False),
        ("ids", "LongStorage", "4", 3, 0, [1, 3], [3, 1], False),
        ("empty", "FloatStorage", "5", 0, 0, [0, 8], [8, 1], False),
        ("scalar", "FloatStorage", "6", 1, 0, [], [], False),
    ]
    pkl = Pickle().state_dict(views)
    put("torch_pickle", "views_data.pkl", pkl)
    storages = [("0", floats(range(12))), ("1", b"".join(f16(x) for x in (1, 2, 3, 4))),
                ("2", b"".join(bf16(x) for x in (1, 2, 3))), ("3", struct.pack("<2d", 1, 2)),
                ("4", int64s([0, 1, 2])), ("5", b""), ("6", floats([5]))]
    put("torch_zip", "views.bin", torch_zip(pkl, storages))
    put("torch_zip", "views_zip64.bin", zip64_stored(torch_entries(pkl, storages)))
    put("torch_zip", "no_pickle.bin", zip_of({"archive/version": b"3\n"}))
    put("torch_zip", "deflated.bin", zip_of({"archive/data.pkl": pkl}, zipfile.ZIP_DEFLATED))
    # Pickle edge cases: refused globals, other containers, a truncated stream.
    put("torch_pickle", "refused_global.pkl", b"\x80\x02cos\nsystem\nq\x00X\x02\x00\x00\x00lsq\x01\x85R.")
    put("torch_pickle", "plain_dict.pkl",
        b"\x80\x02}q\x00(X\x01\x00\x00\x00aK\x01X\x01\x00\x00\x00b]q\x01(K\x02N\x88\x89eu.")
    put("torch_pickle", "truncated.pkl", pkl[: len(pkl) // 2])


def zip_of(entries, method=zipfile.ZIP_STORED):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        for name, data in entries.items():
            z.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data, compress_type=method)
    return buf.getvalue()


# ---- Hugging Face config.json -----------------------------------------------------------------


def config_seeds():
    for d in sorted((FIXTURES / "hf").iterdir()) + sorted((FIXTURES / "hf_text").iterdir()):
        if (d / "config.json").exists():
            put("config_json", d.parent.name + "_" + d.name + ".json", (d / "config.json").read_bytes())
    cfg = json.loads((FIXTURES / "hf" / "bert_cls" / "config.json").read_text())
    bare = dict(cfg)
    del bare["architectures"]
    put("config_json", "model_type_only.json", json.dumps(bare, indent=2))
    multi = dict(cfg, problem_type="multi_label_classification", hidden_act="gelu_new",
                 id2label={"0": "a", "1": "b", "2": "c"})
    put("config_json", "multi_label.json", json.dumps(multi, indent=2))
    put("config_json", "empty_object.json", "{}")
    put("config_json", "not_object.json", "[1, 2, 3]")
    put("config_json", "bad_json.json", '{"hidden_size": 32,')


# ---- tokenizers -------------------------------------------------------------------------------

VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "un", "##aff", "##able", "hello",
         "world", ",", "!", ".", "a", "b", "c", "d", "e", "##a", "##b", "##c", "ca", "##fe",
         "cafe", "é", "x", "中", "文", "##s", "-", "'", "i", "love", "it", "is", "not", "##n",
         "##t", "this", "movie", "good", "bad", "##ing", "run", "$", "1", "##0", "%", "🙂"]


def tokenizer_json(**changes):
    vocab = {t: i for i, t in enumerate(VOCAB)}
    added = [{"id": i, "content": VOCAB[i], "single_word": False, "lstrip": False, "rstrip": False,
              "normalized": False, "special": True} for i in range(5)]
    special = lambda t, type_id: {"SpecialToken": {"id": t, "type_id": type_id}}  # noqa: E731
    seq = lambda s, type_id: {"Sequence": {"id": s, "type_id": type_id}}  # noqa: E731
    j = {
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": added,
        "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
                       "strip_accents": None, "lowercase": True},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [special("[CLS]", 0), seq("A", 0), special("[SEP]", 0)],
            "pair": [special("[CLS]", 0), seq("A", 0), special("[SEP]", 0), seq("B", 1), special("[SEP]", 1)],
            "special_tokens": {"[CLS]": {"id": "[CLS]", "ids": [2], "tokens": ["[CLS]"]},
                               "[SEP]": {"id": "[SEP]", "ids": [3], "tokens": ["[SEP]"]}}},
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": vocab},
    }
    for path, value in changes.items():
        node = j
        keys = path.split("/")
        for k in keys[:-1]:
            node = node[k]
        if value is DELETE:
            del node[keys[-1]]
        else:
            node[keys[-1]] = value
    return json.dumps(j, ensure_ascii=False, indent=1)


DELETE = object()


def byte_level_bpe_json():
    """A small GPT-2-style byte-level BPE: every byte's stand-in, a few merges, RoBERTa's
    template and an lstrip <mask>."""
    bs = list(range(33, 127)) + list(range(161, 173)) + list(range(174, 256))
    cs, n = bs[:], 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    alphabet = [chr(c) for c in cs]
    specials = ["<s>", "<pad>", "</s>", "<unk>"]
    merges = [["\u0120", "t"], ["h", "e"], ["\u0120t", "he"], ["i", "n"], ["\u0120", "a"]]
    tokens = specials + alphabet + ["".join(m) for m in merges] + ["<mask>"]
    vocab = {t: i for i, t in enumerate(tokens)}
    added = [{"id": vocab[t], "content": t, "single_word": False, "lstrip": t == "<mask>",
              "rstrip": False, "normalized": False, "special": True} for t in specials + ["<mask>"]]
    return json.dumps({
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": added,
        "normalizer": None,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "post_processor": {"type": "RobertaProcessing", "sep": ["</s>", 2], "cls": ["<s>", 0],
                           "trim_offsets": True, "add_prefix_space": True},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "",
                  "end_of_word_suffix": "", "fuse_unk": False, "byte_fallback": False,
                  "ignore_merges": False, "vocab": vocab, "merges": merges}}, ensure_ascii=False)


def tiny_charsmap():
    """A SentencePiece charsmap (darts-clone double array + pool) with rules a -> "A", b -> ""
    and U+FF76 -> U+30AB, as tests/tokenizer/components_test.cc builds it."""
    units = [0] * 256
    unit = lambda label, offset, leaf: (offset << 10) | ((1 << 8) if leaf else 0) | label  # noqa: E731
    units[0] = unit(0, 1, False)
    units[1 ^ 0x61] = unit(0x61, 2, True)
    units[(1 ^ 0x61) ^ 2] = 0
    units[1 ^ 0x62] = unit(0x62, 4, True)
    units[(1 ^ 0x62) ^ 4] = 2
    n1 = 1 ^ 0xEF
    n2 = (n1 ^ 0x10) ^ 0xBD
    n3 = (n2 ^ 0x20) ^ 0xB6
    units[n1] = unit(0xEF, 0x10, False)
    units[n2] = unit(0xBD, 0x20, False)
    units[n3] = unit(0xB6, 0x40, True)
    units[n3 ^ 0x40] = 3
    trie = b"".join(u.to_bytes(4, "little") for u in units)
    return len(trie).to_bytes(4, "little") + trie + "A\0\0\u30ab\0".encode()


def unigram_json():
    """A small Unigram with a Precompiled charsmap, Metaspace and T5's template."""
    pieces = [["<pad>", 0.0], ["</s>", 0.0], ["<unk>", 0.0], ["\u2581", -2.0], ["\u2581A", -3.0],
              ["a", -4.0], ["\u2581the", -2.5], ["th", -5.0], ["e", -3.5], ["<0x41>", -9.0]]
    added = [{"id": i, "content": p[0], "single_word": False, "lstrip": False, "rstrip": False,
              "normalized": False, "special": True} for i, p in enumerate(pieces[:3])]
    return json.dumps({
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": added,
        "normalizer": {"type": "Precompiled",
                       "precompiled_charsmap": base64.b64encode(tiny_charsmap()).decode()},
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "WhitespaceSplit"},
            {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "first", "split": True}]},
        "post_processor": {"type": "TemplateProcessing",
                           "single": [{"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}}],
                           "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}},
                                    {"Sequence": {"id": "B", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}}],
                           "special_tokens": {"</s>": {"id": "</s>", "ids": [1], "tokens": ["</s>"]}}},
        "decoder": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True},
        "model": {"type": "Unigram", "unk_id": 2, "byte_fallback": True, "vocab": pieces}}, ensure_ascii=False)


def tokenizer_seeds():
    t = "tokenizer_json"
    put(t, "bert.json", tokenizer_json())
    put(t, "truncation_padding.json", tokenizer_json(
        truncation={"direction": "Right", "max_length": 8, "strategy": "LongestFirst", "stride": 0},
        padding={"strategy": {"Fixed": 12}, "direction": "Left", "pad_to_multiple_of": 4,
                 "pad_id": 0, "pad_type_id": 0, "pad_token": "[PAD]"}))
    put(t, "batch_longest_only_second.json", tokenizer_json(
        truncation={"max_length": 6, "strategy": "OnlySecond", "direction": "Left"},
        padding={"strategy": "BatchLongest"}))
    put(t, "bert_processing.json", tokenizer_json(
        post_processor={"type": "BertProcessing", "sep": ["[SEP]", 3], "cls": ["[CLS]", 2]}))
    put(t, "sequences_cased.json", tokenizer_json(
        normalizer={"type": "Sequence", "normalizers": [
            {"type": "BertNormalizer", "lowercase": False, "strip_accents": True}]},
        pre_tokenizer={"type": "Sequence", "pretokenizers": [{"type": "BertPreTokenizer"}]}))
    added = [{"id": 4, "content": "[MASK]", "single_word": True, "lstrip": True, "rstrip": True,
              "normalized": False, "special": True},
             {"id": 50, "content": "hello world", "single_word": False, "lstrip": False,
              "rstrip": False, "normalized": True, "special": False}]
    put(t, "added_tokens.json", tokenizer_json(added_tokens=added, normalizer=None))
    put(t, "no_type_model.json", tokenizer_json(**{"model/type": DELETE}))
    put(t, "bpe.json", json.dumps({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}}))
    put(t, "unigram.json", json.dumps({"model": {"type": "Unigram", "vocab": [["a", -1.0]]}}))
    put(t, "byte_level_bpe.json", byte_level_bpe_json())
    put(t, "unigram_precompiled.json", unigram_json())
    put(t, "components.json", tokenizer_json(
        normalizer={"type": "Sequence", "normalizers": [
            {"type": "NFKC"}, {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "},
            {"type": "Strip", "strip_left": True, "strip_right": False}, {"type": "Lowercase"},
            {"type": "Prepend", "prepend": "x"}, {"type": "Nmt"}, {"type": "NFD"}, {"type": "StripAccents"}]},
        pre_tokenizer={"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": "\\p{N}{1,3}"}, "behavior": "Isolated", "invert": False},
            {"type": "Punctuation", "behavior": "Contiguous"}, {"type": "Digits", "individual_digits": True},
            {"type": "Whitespace"}]},
        decoder={"type": "Sequence", "decoders": [
            {"type": "Replace", "pattern": {"String": "##"}, "content": ""}, {"type": "ByteFallback"},
            {"type": "Fuse"}, {"type": "Strip", "content": " ", "start": 1, "stop": 0}]}))
    put(t, "bad.json", '{"model": {"type": "WordPiece", "vocab": {"[UNK]": 0}')

    c = "charsmap"
    blob = tiny_charsmap()
    put(c, "tiny.bin", blob)
    put(c, "truncated.bin", blob[:100])
    put(c, "size_only.bin", blob[:4])
    put(c, "bad_pool.bin", blob[:-1] + b"\xff")

    v = "vocab_txt"
    put(v, "small_vocab.txt", "\n".join(VOCAB) + "\n")
    put(v, "crlf.txt", "\r\n".join(VOCAB[:20]) + "\r\n")
    put(v, "no_unk.txt", "\n".join(t for t in VOCAB if t != "[UNK]") + "\n")
    put(v, "duplicates_blank_lines.txt", "[UNK]\n\nhello\nhello\n\n##x\n[CLS]\n[SEP]\n")
    put(v, "no_trailing_newline.txt", "[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello")


def text_seeds():
    lines = (FIXTURES / "tokenizer" / "corpus.jsonl").read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        case = json.loads(line)
        for j, inp in enumerate(case["inputs"][:1]):
            data = inp["text"].encode()
            if inp.get("pair") is not None:
                data += b"\0" + inp["pair"].encode()
            flags = (i * 37) & 0xFF if i % 3 else 0  # a third with default options
            put("text_input", "%s.txt" % case["id"], bytes([flags]) + data)
    put("text_input", "invalid_utf8.txt", b"\x00ok \xc3\x28 \xed\xa0\x80 \xf4\x90\x80\x80")
    put("text_input", "long_word.txt", b"\x05" + b"a" * 150 + b" b")


# ---- bundles ----------------------------------------------------------------------------------


def bundle_seeds(bertc, tiny, tiny_st, block_onnx):
    if not pathlib.Path(bertc).exists():
        print("make_seeds: %s not found: bundle seeds left as they are" % bertc, file=sys.stderr)
        return
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        folder = tmp / "tiny_bert"
        folder.mkdir()
        (folder / "config.json").write_text(tiny_bert_config())
        (folder / "model.safetensors").write_bytes(tiny_st)
        (folder / "vocab.txt").write_text("\n".join(VOCAB) + "\n")
        (tmp / "block.onnx").write_bytes(block_onnx)
        # The bf16 bundle is compiled on the reference kernels (BERTC_ISA=ref), so it can be made
        # on any CPU; where bf16 does not run, the fuzz target's session refuses it (an Error).
        for src, name, level, extra in ((folder, "tiny_bert_O0", 0, []), (folder, "tiny_bert_O3", 3, []),
                                        (folder, "tiny_bert_int8", 3, ["--precision", "int8"]),
                                        (folder, "tiny_bert_bf16", 3, ["--precision", "bf16"]),
                                        (tmp / "block.onnx", "block_O2", 2, [])):
            out = tmp / (name + ".bertc")
            env = dict(os.environ, BERTC_ISA="ref") if "bf16" in extra else None
            subprocess.run([bertc, "compile", str(src), "-o", str(out), "-O%d" % level] + extra, check=True, env=env)
            data = bytearray(out.read_bytes())
            data[48:56] = bytes(8)  # zero checksum: the fuzz target fills in the right one
            put("bundle", name + ".bertc", bytes(data))
            if level == 0:
                put("bundle", name + "_truncated.bertc", bytes(data[: len(data) // 2]))
    put("bundle", "header_only.bertc", b"BERTCBDL" + struct.pack("<II", 3, 64) + bytes(48))  # format version 3
    put("bundle", "bad_magic.bertc", b"NOTABNDL" + bytes(56))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bertc", default=str(ROOT / "build" / "bertc"), help="a built bertc")
    args = ap.parse_args()
    rng = random.Random(0)
    tiny = tiny_bert_tensors(rng)
    block = onnx_seeds()
    external_data_seeds()
    npy_seeds()
    tiny_st = safetensors_seeds(tiny)
    torch_seeds(tiny)
    config_seeds()
    put("config_json", "tiny_bert_config.json", tiny_bert_config())
    tokenizer_seeds()
    text_seeds()
    bundle_seeds(args.bertc, tiny, tiny_st, block)
    total = sum(f.stat().st_size for f in CORPUS.rglob("*") if f.is_file())
    print("make_seeds: %d files, %d bytes in %s" % (
        sum(1 for f in CORPUS.rglob("*") if f.is_file()), total, CORPUS))


if __name__ == "__main__":
    main()
