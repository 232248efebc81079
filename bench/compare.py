#!/usr/bin/python3
"""bertc vs ONNX Runtime vs PyTorch, side by side, in one run.

  /usr/bin/python3 bench/compare.py [--models bert-base,distilbert]
      [--configs 1x64,1x128,1x256,4x128] [--runs 30] [--rounds 3] [--threads 2]
      [--engines bertc,onnxruntime,pytorch] [--json results.json]

Makes the random-weight models with tools/make_models.py (once, into build/models/), compiles
them with `build/bertc compile -O3`, then for every configuration runs the engines one after
another, each in its own process with the machine to itself (nothing else runs meanwhile),
`--rounds` times in turn (interleaved, so drift hits all engines alike), `--runs` timed runs
after warm-up each time. A cell is the median of all timed runs of an engine on a
configuration. ONNX Runtime is the npm package onnxruntime-node (bench/ort_bench.mjs;
`npm install --ignore-scripts` in bench/), graph optimization 'all', the same thread count.
PyTorch is Debian's python3-torch 1.13, eager, with OpenBLAS's OpenMP build pinned
(LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp). "% peak" divides the model's
FLOPs (2 per multiply-add, matrix products and attention only) by the machine's fp32 peak
(--peak-gflops, default 419 = 2 cores x 2 x 512-bit FMA x 3.27 GHz measured).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
BERTC = os.path.join(ROOT, "build", "bertc")
OPENBLAS_OPENMP = "/usr/lib/x86_64-linux-gnu/openblas-openmp"


def model_flops(cfg, batch, seq):
    """Multiply-adds x 2 of the encoder's matrix products and attention (+ pooler)."""
    hidden = cfg.get("hidden_size", cfg.get("dim"))
    layers = cfg.get("num_hidden_layers", cfg.get("n_layers"))
    ffn = cfg.get("intermediate_size", cfg.get("hidden_dim"))
    tokens = batch * seq
    per_layer = 2 * tokens * hidden * (3 * hidden + hidden + 2 * ffn) + 4 * batch * seq * seq * hidden
    pooler = 2 * batch * hidden * hidden if "pooler" in cfg.get("_outputs", "") else 0
    return layers * per_layer + pooler


def ensure_model(name):
    out = os.path.join(ROOT, "build", "models", name)
    if not os.path.exists(os.path.join(out, "model.onnx")):
        print(f"making {name} (random weights) in {out} ...", file=sys.stderr)
        subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "tools", "make_models.py"),
                        "--full", name, "--out", out], check=True)
    bundle = os.path.join(out, "model.bertc")
    if not os.path.exists(bundle) or os.path.getmtime(bundle) < os.path.getmtime(BERTC):
        subprocess.run([BERTC, "compile", os.path.join(out, "model.onnx"), "-o", bundle, "-O3"],
                       check=True)
    with open(os.path.join(out, "meta.json")) as f:
        meta = json.load(f)
    return out, bundle, meta


def run_engine(engine, model_dir, bundle, batch, seq, runs, warmup, threads):
    if engine == "bertc":
        cmd = [BERTC, "bench", bundle, "--batch", str(batch), "--seq", str(seq), "--runs", str(runs),
               "--warmup", str(warmup), "--threads", str(threads), "--json"]
        env = None
    elif engine == "onnxruntime":
        cmd = ["node", os.path.join(ROOT, "bench", "ort_bench.mjs"), os.path.join(model_dir, "model.onnx"),
               str(batch), str(seq), str(runs), str(warmup), str(threads)]
        env = None
    else:
        cmd = ["/usr/bin/python3", os.path.join(ROOT, "bench", "torch_bench.py"), model_dir,
               str(batch), str(seq), str(runs), str(warmup), str(threads)]
        env = dict(os.environ, LD_LIBRARY_PATH=OPENBLAS_OPENMP, OMP_NUM_THREADS=str(threads))
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout
    return json.loads(out.strip().splitlines()[-1])["times_ms"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", default="bert-base,distilbert")
    ap.add_argument("--configs", default="1x64,1x128,1x256,4x128")
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--engines", default="bertc,onnxruntime,pytorch")
    ap.add_argument("--peak-gflops", type=float, default=419.0)
    ap.add_argument("--json", help="also write the raw results here")
    args = ap.parse_args()
    engines = args.engines.split(",")
    results = []
    for name in args.models.split(","):
        model_dir, bundle, meta = ensure_model(name)
        cfg = dict(meta["config"], _outputs=",".join(meta["outputs"]))
        for config in args.configs.split(","):
            batch, seq = (int(x) for x in config.split("x"))
            times = {e: [] for e in engines}
            for _ in range(args.rounds):
                for e in engines:
                    times[e] += run_engine(e, model_dir, bundle, batch, seq, args.runs, args.warmup, args.threads)
            flops = model_flops(cfg, batch, seq)
            row = {"model": name, "batch": batch, "seq": seq, "gflop": flops / 1e9,
                   "speed_of_light_ms": flops / (args.peak_gflops * 1e9) * 1e3,
                   "runs_per_engine": args.runs * args.rounds,
                   "median_ms": {e: statistics.median(t) for e, t in times.items()}}
            results.append(row)
            print_row(row, engines)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


HEADER_DONE = []


def print_row(row, engines):
    if not HEADER_DONE:
        cols = "".join(f"{e + ' ms':>16}" for e in engines)
        print(f"{'model':<12}{'B x S':>8}{'SoL ms':>9}{cols}{'bertc/ORT':>11}{'bertc %pk':>11}{'ORT %pk':>9}")
        HEADER_DONE.append(True)
    med = row["median_ms"]
    cols = "".join(f"{med[e]:>16.2f}" for e in engines)
    sol = row["speed_of_light_ms"]
    speedup = f"{med['onnxruntime'] / med['bertc']:>10.2f}x" if "bertc" in med and "onnxruntime" in med else f"{'':>11}"
    pk_b = f"{100 * sol / med['bertc']:>10.0f}%" if "bertc" in med else f"{'':>11}"
    pk_o = f"{100 * sol / med['onnxruntime']:>8.0f}%" if "onnxruntime" in med else f"{'':>9}"
    print(f"{row['model']:<12}{row['batch']:>4} x{row['seq']:<4}{sol:>8.1f}{cols}{speedup}{pk_b}{pk_o}", flush=True)


if __name__ == "__main__":
    main()
