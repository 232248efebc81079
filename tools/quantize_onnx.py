#!/usr/bin/python3
"""Rewrites an fp32 ONNX model into the int8 form ONNX Runtime's quantize_dynamic writes, with
Debian's python3-onnx (no onnxruntime Python package here):

  /usr/bin/python3 tools/quantize_onnx.py model.onnx model_quantized.onnx [--per-channel]

Every MatMul whose B is a 2-D float initializer W [K, N] becomes, as quantize_dynamic (QInt8
weights, reduce_range off, weight symmetric) emits it:

  X -> DynamicQuantizeLinear -> (X_q uint8, X_scale, X_zero_point)
  MatMulInteger(X_q, W_quantized int8, X_zero_point, W_zero_point int8 = 0) -> int32
  Cast(to = float) ; Mul(X_scale, W_scale) ; Mul(product, that scale) -> the MatMul's output

W_scale = max |W| / 127 per tensor (per column with --per-channel: W_scale and W_zero_point [N]).
Everything else (biases added after, Gemm, LayerNorm, attention) stays fp32, as quantize_dynamic
leaves it. Hugging Face repos ship exactly this as model_quantized.onnx / model_qint8_*.onnx.
"""
import argparse
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def quantize_weight(w, per_channel):
    amax = np.abs(w).max(axis=0) if per_channel else np.abs(w).max()
    scale = np.where(amax > 0, amax / 127.0, 1.0).astype(np.float32)
    q = np.clip(np.rint(w / scale), -127, 127).astype(np.int8)
    return q, scale


def quantize_model(model, per_channel=False):
    graph = model.graph
    inits = {t.name: t for t in graph.initializer}
    nodes, added, count = [], [], 0
    dql = {}  # an input quantized once however many MatMuls read it
    for node in graph.node:
        w = inits.get(node.input[1]) if node.op_type == "MatMul" and len(node.input) == 2 else None
        if w is None or w.data_type != TensorProto.FLOAT or len(w.dims) != 2:
            nodes.append(node)
            continue
        x, y, base = node.input[0], node.output[0], node.input[1]
        q, scale = quantize_weight(numpy_helper.to_array(w), per_channel)
        zero = np.zeros(scale.shape, dtype=np.int8)
        added += [numpy_helper.from_array(q, base + "_quantized"),
                  numpy_helper.from_array(scale, base + "_scale"),
                  numpy_helper.from_array(zero, base + "_zero_point")]
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
        count += 1
    used = {i for n in nodes for i in n.input}
    kept = [t for t in graph.initializer if t.name in used]
    del graph.node[:]
    graph.node.extend(nodes)
    del graph.initializer[:]
    graph.initializer.extend(kept + added)
    if not any(o.domain in ("", "ai.onnx") and o.version >= 11 for o in model.opset_import):
        sys.exit("quantize_onnx.py: the model's opset is below 11 (DynamicQuantizeLinear needs 11)")
    return count


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model")
    ap.add_argument("output")
    ap.add_argument("--per-channel", action="store_true", help="per-column weight scales")
    args = ap.parse_args()
    model = onnx.load(args.model)
    n = quantize_model(model, args.per_channel)
    onnx.checker.check_model(model)
    onnx.save(model, args.output)
    print(f"{args.output}: {n} MatMul quantized")


if __name__ == "__main__":
    main()
