#!/usr/bin/python3
"""The Python package's cost next to the library's own command, on the committed mixed-length
workload (bench/serve_texts.py's texts of bench/mixed_lengths.txt):

1. Throughput: `bertc run MODEL --file TEXTS` and a Python process doing
   bertc.SentenceTransformer(MODEL).encode(TEXTS), each a whole process (start-up and model load
   included), run in turn ROUNDS times; medians and the median of the paired ratios.
2. Per-call cost at batch 1: encode(one text) in Python and Pipeline::embed({one text}) in C++
   (build/pipeline_call_bench ... BATCH=1) on CALL_MODEL, p50s; and, interleaved call by call in
   one process, encode() against the module call under it (the Python layer alone).

  /usr/bin/python3 bench/python_bench.py MODEL [--call-model SMALL_MODEL] [--rounds 3] [--calls 2000]

MODEL and CALL_MODEL are embedding models (a sentence-transformers folder or a .bertc bundle).
Prints a table, and one JSON line with every figure.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from serve_texts import workload_texts  # noqa: E402

ENCODE = "import sys, bertc; bertc.SentenceTransformer(sys.argv[1]).encode(open(sys.argv[2]).read().splitlines())"


def wall(cmd, env):
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=env)
    return time.perf_counter() - start


def throughput(args, texts_file, env):
    bertc_run = [os.path.join(args.build, "bertc"), "run", args.model, "--file", texts_file]
    python = [sys.executable, "-c", ENCODE, args.model, texts_file]
    wall(python, env)  # warm-up: page cache, CPU clocks
    runs = {"bertc_run_s": [], "python_encode_s": [], "ratio": []}
    for _ in range(args.rounds):
        a = wall(bertc_run, env)
        b = wall(python, env)
        runs["bertc_run_s"].append(a)
        runs["python_encode_s"].append(b)
        runs["ratio"].append(b / a)
    return {k: statistics.median(v) for k, v in runs.items()}


def per_call(args, texts, texts_file, env):
    import bertc
    model = bertc.SentenceTransformer(args.call_model)
    native = model._pipeline

    def encode_one(t):
        model.encode(t)

    def module_one(t):
        native.embed([t], None)
    sequence = [texts[(k * 7919) % len(texts)] for k in range(args.calls)]
    for t in sequence[:50]:
        model.encode(t)
    py, mod = [], []
    for k, t in enumerate(sequence):  # interleaved, in turn first: the two see the same machine
        for call in ((encode_one, py), (module_one, mod))[::1 if k % 2 else -1]:
            s = time.perf_counter()
            call[0](t)
            call[1].append(time.perf_counter() - s)
    out = subprocess.run([os.path.join(args.build, "pipeline_call_bench"), args.call_model, texts_file,
                          str(args.calls), "0", "1"], check=True, capture_output=True, text=True, env=env).stdout
    cpp = json.loads(out)
    return {"python_encode_p50_us": statistics.median(py) * 1e6, "module_call_p50_us": statistics.median(mod) * 1e6,
            "cpp_embed_p50_us": cpp["p50_ms"] * 1e3,
            "python_layer_us": statistics.median(p - m for p, m in zip(py, mod)) * 1e6}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model")
    ap.add_argument("--call-model", help="the model of the per-call figures (default: MODEL)")
    ap.add_argument("--rounds", type=int, default=3, help="0: the per-call figures only")
    ap.add_argument("--calls", type=int, default=2000)
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    args = ap.parse_args()
    args.call_model = args.call_model or args.model
    env = dict(os.environ, PYTHONPATH=os.path.join(args.build, "python"))
    sys.path.insert(0, env["PYTHONPATH"])
    texts = workload_texts(os.path.join(HERE, "mixed_lengths.txt"))
    with tempfile.NamedTemporaryFile("w", suffix=".txt") as f:
        f.writelines(t + "\n" for t in texts)
        f.flush()
        result = {"texts": len(texts), **(throughput(args, f.name, env) if args.rounds else {}),
                  **per_call(args, texts, f.name, env)}
    if args.rounds:
        print(f"whole process, {len(texts)} texts: bertc run --file {result['bertc_run_s']:.2f} s, "
              f"Python encode {result['python_encode_s']:.2f} s (ratio {result['ratio']:.3f})")
    print(f"batch 1: Python encode p50 {result['python_encode_p50_us']:.1f} us, module call {result['module_call_p50_us']:.1f} us, "
          f"C++ Pipeline::embed {result['cpp_embed_p50_us']:.1f} us; Python layer {result['python_layer_us']:.1f} us")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
