#!/usr/bin/python3
"""Writes tests/fixtures/quantized/: fixtures in ONNX Runtime's quantize_dynamic form, with ONNX
Runtime's own outputs as the reference (ONNX Runtime defines what these models compute).

  /usr/bin/python3 tools/make_quantized_fixtures.py [--out tests/fixtures/quantized]

For each source fixture (tests/fixtures/<name>_opset14): model.onnx rewritten by
tools/quantize_onnx.py (per tensor; `_per_channel` also per column; `_qdq` in the QDQ form,
calibrated on `inputs`), its inputs and inputs_2 copied, and outputs / outputs_2 from `node
bench/ort_run.mjs` (onnxruntime-node, installed by `npm install --ignore-scripts` in bench/): with
every optimization for the quantize_dynamic form, with none for the QDQ form (ONNX Runtime then
runs QuantizeLinear, DequantizeLinear and an fp32 MatMul as the model states them, which is exact;
its fused QDQ kernels are not).
"""
import argparse
import os
import shutil
import subprocess

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
SOURCES = ["bert", "bert_cls", "distilbert", "roberta"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(ROOT, "tests", "fixtures", "quantized"))
    args = ap.parse_args()
    shutil.rmtree(args.out, ignore_errors=True)
    variants = ([(s, False, False) for s in SOURCES] + [("bert", True, False)] +
                [("bert", False, True), ("bert", True, True), ("distilbert", False, True)])
    for source, per_channel, qdq in variants:
        src = os.path.join(ROOT, "tests", "fixtures", f"{source}_opset14")
        name = source + ("_qdq" if qdq else "") + ("_per_channel" if per_channel else "")
        dst = os.path.join(args.out, name)
        os.makedirs(dst)
        cmd = ["/usr/bin/python3", os.path.join(ROOT, "tools", "quantize_onnx.py"),
               os.path.join(src, "model.onnx"), os.path.join(dst, "model.onnx")]
        cmd += ["--per-channel"] if per_channel else []
        cmd += ["--qdq", os.path.join(src, "inputs")] if qdq else []
        subprocess.run(cmd, check=True)
        for suffix in ("", "_2"):
            shutil.copytree(os.path.join(src, "inputs" + suffix), os.path.join(dst, "inputs" + suffix))
            subprocess.run(["node", os.path.join(ROOT, "bench", "ort_run.mjs"), os.path.join(dst, "model.onnx"),
                            os.path.join(dst, "inputs" + suffix), os.path.join(dst, "outputs" + suffix),
                            "disabled" if qdq else "all"], check=True)
        print(name)


if __name__ == "__main__":
    main()
