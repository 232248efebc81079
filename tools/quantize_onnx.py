#!/usr/bin/python3
"""Rewrites an fp32 ONNX model into the int8 forms ONNX Runtime's quantizers write, with Debian's
python3-onnx (no onnxruntime Python package here):

  /usr/bin/python3 tools/quantize_onnx.py model.onnx model_quantized.onnx [--per-channel]
  /usr/bin/python3 tools/quantize_onnx.py model.onnx model_qdq.onnx --qdq CALIBRATION_INPUTS [--per-channel]

Every MatMul whose B is a 2-D float initializer W [K, N] becomes, as quantize_dynamic (QInt8
weights, reduce_range off, weight symmetric) emits it:

  X -> DynamicQuantizeLinear -> (X_q uint8, X_scale, X_zero_point)
  MatMulInteger(X_q, W_quantized int8, X_zero_point, W_zero_point int8 = 0) -> int32
  Cast(to = float) ; Mul(X_scale, W_scale) ; Mul(product, that scale) -> the MatMul's output

W_scale = max |W| / 127 per tensor (per column with --per-channel: W_scale and W_zero_point [N]).
Every Gather from a float initializer table T (the embeddings) becomes, as quantize_dynamic's
GatherQuant emits it (QUInt8, asymmetric, per tensor):

  Gather(T_quantized uint8, ids) -> DequantizeLinear(T_scale, T_zero_point) -> the Gather's output

Everything else (biases added after, Gemm, LayerNorm, attention) stays fp32, as quantize_dynamic
leaves it. Hugging Face repos ship exactly this as model_quantized.onnx / model_qint8_*.onnx.

With --qdq, the form quantize_static writes with QuantFormat.QDQ (activations QUInt8, weights
QInt8, MatMul only):

  X -> QuantizeLinear(X_scale, X_zero_point uint8) -> DequantizeLinear(same) -> MatMul's A
  W_quantized int8 -> DequantizeLinear(W_scale, W_zero_point int8 = 0[, axis = 1]) -> MatMul's B

one QuantizeLinear / DequantizeLinear pair per activation tensor, however many MatMuls read it.
X_scale and X_zero_point are static, from X's range (min and max, widened to include 0) over the
calibration inputs (a folder of <input name>.npy), run through ONNX Runtime (`node
bench/ort_run.mjs`, onnxruntime-node installed in bench/).
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def quantize_weight(w, per_channel):
    amax = np.abs(w).max(axis=0) if per_channel else np.abs(w).max()
    scale = np.where(amax > 0, amax / 127.0, 1.0).astype(np.float32)
    q = np.clip(np.rint(w / scale), -127, 127).astype(np.int8)
    return q, scale


def quantizable(node, inits):
    """The float 2-D initializer that is node's B when node is a MatMul of one, else None."""
    w = inits.get(node.input[1]) if node.op_type == "MatMul" and len(node.input) == 2 else None
    return w if w is not None and w.data_type == TensorProto.FLOAT and len(w.dims) == 2 else None


def gathered_table(node, inits):
    """The float initializer a Gather reads rows of, else None."""
    t = inits.get(node.input[0]) if node.op_type == "Gather" else None
    return t if t is not None and t.data_type == TensorProto.FLOAT else None


def quantize_table(t):
    """QUInt8, asymmetric, per tensor (the range widened to include 0), as ONNX Runtime quantizes
    an activation-typed initializer: (values, scale, zero point)."""
    lo, hi = min(0.0, float(t.min())), max(0.0, float(t.max()))
    scale = np.float32((hi - lo) / 255.0 if hi > lo else 1.0)
    zero = np.uint8(np.clip(np.rint(-lo / scale), 0, 255))
    q = np.clip(np.rint(t / scale) + zero, 0, 255).astype(np.uint8)
    return q, scale, zero


def rewrite_weights(graph, rewrite, select=quantizable):
    """Replaces each node that select(node, initializers) gives a float initializer W for (by
    default: a MatMul of a 2-D W) by the nodes rewrite(node, W) returns as (nodes, initializers);
    drops the initializers no node reads any more. Returns how many."""
    inits = {t.name: t for t in graph.initializer}
    nodes, added, count = [], [], 0
    for node in graph.node:
        w = select(node, inits)
        if w is None:
            nodes.append(node)
            continue
        new_nodes, new_inits = rewrite(node, numpy_helper.to_array(w))
        nodes += new_nodes
        added += new_inits
        count += 1
    used = {i for n in nodes for i in n.input}
    kept = [t for t in graph.initializer if t.name in used]
    del graph.node[:]
    graph.node.extend(nodes)
    del graph.initializer[:]
    graph.initializer.extend(kept + added)
    return count


def activation_ranges(model, names, inputs_dir):
    """{name: (lo, hi)} of each activation over ONNX Runtime's run of the model on inputs_dir,
    widened to include 0."""
    probe = onnx.ModelProto()
    probe.CopyFrom(model)
    probes = [f"probe_{i}" for i in range(len(names))]  # tensor names may hold '/'
    probe.graph.node.extend(helper.make_node("Identity", [n], [p]) for n, p in zip(names, probes))
    probe.graph.output.extend(helper.make_tensor_value_info(p, TensorProto.FLOAT, None) for p in probes)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with tempfile.TemporaryDirectory() as tmp:
        onnx.save(probe, os.path.join(tmp, "probe.onnx"))
        subprocess.run(["node", os.path.join(root, "bench", "ort_run.mjs"), os.path.join(tmp, "probe.onnx"),
                        inputs_dir, os.path.join(tmp, "out"), "disabled"], check=True)
        values = {n: np.load(os.path.join(tmp, "out", p + ".npy")) for n, p in zip(names, probes)}
    return {n: (min(0.0, float(v.min())), max(0.0, float(v.max()))) for n, v in values.items()}


def quantize_model_qdq(model, inputs_dir, per_channel=False):
    graph = model.graph
    inits = {t.name: t for t in graph.initializer}
    activations = sorted({n.input[0] for n in graph.node if quantizable(n, inits) is not None})
    ranges = activation_ranges(model, activations, inputs_dir)
    dq = {}  # an activation quantized once however many MatMuls read it

    def rewrite(node, w):
        x, base = node.input[0], node.input[1]
        nodes, added = [], []
        if x not in dq:
            lo, hi = ranges[x]
            scale = np.float32((hi - lo) / 255.0 if hi > lo else 1.0)
            zero = np.uint8(np.clip(np.rint(-lo / scale), 0, 255))
            added += [numpy_helper.from_array(np.array(scale), x + "_scale"),
                      numpy_helper.from_array(np.array(zero), x + "_zero_point")]
            q, dq[x] = x + "_quantized", x + "_dequantized"
            nodes += [helper.make_node("QuantizeLinear", [x, x + "_scale", x + "_zero_point"], [q],
                                       name=x + "_QuantizeLinear"),
                      helper.make_node("DequantizeLinear", [q, x + "_scale", x + "_zero_point"], [dq[x]],
                                       name=x + "_DequantizeLinear")]
        wq, scale = quantize_weight(w, per_channel)
        added += [numpy_helper.from_array(wq, base + "_quantized"),
                  numpy_helper.from_array(scale, base + "_scale"),
                  numpy_helper.from_array(np.zeros(scale.shape, dtype=np.int8), base + "_zero_point")]
        nodes += [helper.make_node("DequantizeLinear", [base + "_quantized", base + "_scale", base + "_zero_point"],
                                   [base + "_dequantized"], name=base + "_DequantizeLinear",
                                   **({"axis": 1} if per_channel else {})),
                  helper.make_node("MatMul", [dq[x], base + "_dequantized"], list(node.output), name=node.name)]
        return nodes, added

    count = rewrite_weights(graph, rewrite)
    if not any(o.domain in ("", "ai.onnx") and o.version >= 13 for o in model.opset_import):
        sys.exit("quantize_onnx.py: the model's opset is below 13 (per-axis DequantizeLinear needs 13)")
    return count


def quantize_model(model, per_channel=False):
    dql = {}  # an input quantized once however many MatMuls read it

    def rewrite(node, w):
        x, y, base = node.input[0], node.output[0], node.input[1]
        q, scale = quantize_weight(w, per_channel)
        zero = np.zeros(scale.shape, dtype=np.int8)
        added = [numpy_helper.from_array(q, base + "_quantized"),
                 numpy_helper.from_array(scale, base + "_scale"),
                 numpy_helper.from_array(zero, base + "_zero_point")]
        nodes = []
        if x not in dql:
            dql[x] = (x + "_quantized", x + "_scale", x + "_zero_point")
            nodes.append(helper.make_node("DynamicQuantizeLinear", [x], list(dql[x]), name=x + "_QuantizeLinear"))
        xq, xs, xz = dql[x]
        prefix = node.name or y
        nodes += [
            helper.make_node("MatMulInteger", [xq, base + "_quantized", xz, base + "_zero_point"],
                             [y + "_quantized"], name=prefix + "_quant"),
            helper.make_node("Cast", [y + "_quantized"], [y + "_quantized_cast"], to=TensorProto.FLOAT,
                             name=prefix + "_quant_cast"),
            helper.make_node("Mul", [xs, base + "_scale"], [y + "_scales_mul"], name=prefix + "_scales_mul"),
            helper.make_node("Mul", [y + "_quantized_cast", y + "_scales_mul"], [y],
                             name=prefix + "_output_quantized_mul"),
        ]
        return nodes, added

    def rewrite_gather(node, t):
        y, base = node.output[0], node.input[0]
        q, scale, zero = quantize_table(t)
        added = [numpy_helper.from_array(q, base + "_quantized"),
                 numpy_helper.from_array(np.array(scale), base + "_scale"),
                 numpy_helper.from_array(np.array(zero), base + "_zero_point")]
        gather = onnx.NodeProto()
        gather.CopyFrom(node)
        gather.input[0], gather.output[0] = base + "_quantized", y + "_quantized"
        dq = helper.make_node("DequantizeLinear", [y + "_quantized", base + "_scale", base + "_zero_point"], [y],
                              name=y + "_DequantizeLinear")
        return [gather, dq], added

    count = rewrite_weights(model.graph, rewrite)
    # A Gather whose rows a quantized MatMul reads (not BERT's embeddings, which are summed first)
    # stays fp32 here: ONNX Runtime would feed its uint8 rows to MatMulInteger directly.
    quantized = {o for n in model.graph.node for o in n.output}
    count += rewrite_weights(model.graph, rewrite_gather,
                             lambda n, inits: None if n.output[0] + "_quantized" in quantized else gathered_table(n, inits))
    if not any(o.domain in ("", "ai.onnx") and o.version >= 11 for o in model.opset_import):
        sys.exit("quantize_onnx.py: the model's opset is below 11 (DynamicQuantizeLinear needs 11)")
    return count


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model")
    ap.add_argument("output")
    ap.add_argument("--per-channel", action="store_true", help="per-column weight scales")
    ap.add_argument("--qdq", metavar="CALIBRATION_INPUTS",
                    help="write the QDQ form, activation scales from a run on this folder of <input>.npy")
    args = ap.parse_args()
    model = onnx.load(args.model)
    n = quantize_model_qdq(model, args.qdq, args.per_channel) if args.qdq else quantize_model(model, args.per_channel)
    onnx.checker.check_model(model)
    onnx.save(model, args.output)
    print(f"{args.output}: {n} MatMul / Gather quantized")


if __name__ == "__main__":
    main()
