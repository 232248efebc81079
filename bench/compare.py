#!/usr/bin/python3
"""bertc vs ONNX Runtime vs PyTorch, side by side, in one run.

  /usr/bin/python3 bench/compare.py [--models bert-base,distilbert]
      [--configs 1x64,1x128,1x256,4x128] [--runs 30] [--rounds 3] [--threads 2]
      [--engines bertc,bertc-onednn,bertc-int8,bertc-bf16,onnxruntime,onnxruntime-int8,pytorch]
      [--json results.json]
  /usr/bin/python3 bench/compare.py --workload bench/mixed_lengths.txt [--batch-size 32]
      [--models ...] [--runs 1] [--rounds 2] [--threads 2] [--json results.json]

Makes the random-weight models with tools/make_models.py (once, into build/models/), compiles
them with `build/bertc compile -O3` (and `--gemm onednn` for the bertc-onednn column: the same
fused graph on oneDNN's matmul), then for every configuration runs the engines one after
another, each in its own process with the machine to itself (nothing else runs meanwhile),
`--rounds` times in turn (interleaved, so drift hits all engines alike), `--runs` timed runs
after warm-up each time. A cell is the median of all timed runs of an engine on a
configuration. ONNX Runtime is the npm package onnxruntime-node (bench/ort_bench.mjs;
installed here with `npm install --ignore-scripts` when missing), graph optimization 'all',
the same thread count. int8: bertc-int8 is the bundle compiled `--precision int8`;
onnxruntime-int8 runs model_quantized.onnx, the model rewritten exactly as ONNX Runtime's
quantize_dynamic does (tools/quantize_onnx.py: per-tensor int8 weights, DynamicQuantizeLinear +
MatMulInteger, uint8 embedding tables). "b32/b8" is bertc fp32 over bertc int8, "ORT8/b8" ONNX Runtime int8 over bertc
int8 (both > 1: bertc int8 faster). bf16: bertc-bf16 is the bundle compiled `--precision bf16`,
left out (with a note) on a CPU without avx512_bf16, where bertc refuses bf16; "b32/bf" is bertc
fp32 over bertc bf16. PyTorch is Debian's python3-torch 1.13, eager, with OpenBLAS's OpenMP
build pinned (LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp, Debian package
libopenblas0-openmp): with the reference BLAS it is ~70x slower.

--workload (a file of sequence lengths, bench/make_workload.py) times one pass over the whole
workload instead, in real tokens/s: bertc packed (arrival order, batches of --batch-size),
bertc padded in arrival order and length-sorted, ONNX Runtime padded in arrival order and
sorted, PyTorch padded sorted (each batch padded to its longest, the mask hiding the padding),
and bertc on uniform lengths with the same number of tokens (the packed target's yardstick).

"SoL ms" (speed of light) is the model's FLOPs (2 per multiply-add of the matrix products and
attention, as `bertc bench` counts them) divided by the machine's fp32 peak: threads x the
per-core peak that `bertc bench` measures in the same run (an FMA throughput loop), unless
--peak-gflops gives the total. "% pk" = SoL / median.
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


def check_engines(engines):
    """Fails early, naming the fix, when an engine's runtime is missing."""
    if not os.path.exists(BERTC):
        sys.exit(f"compare.py: {BERTC} is missing: run tools/setup.sh first")
    if any(e.startswith("onnxruntime") for e in engines) and not os.path.isdir(os.path.join(ROOT, "bench", "node_modules", "onnxruntime-node")):
        print("installing onnxruntime-node (npm install --ignore-scripts) in bench/ ...", file=sys.stderr)
        subprocess.run(["npm", "install", "--ignore-scripts", "--no-audit", "--no-fund"],
                       cwd=os.path.join(ROOT, "bench"), check=True)
    if "pytorch" in engines and not os.path.exists(os.path.join(OPENBLAS_OPENMP, "libblas.so.3")):
        sys.exit("compare.py: OpenBLAS's OpenMP build is missing (PyTorch would use the reference BLAS,"
                 " ~70x slower): apt-get install libopenblas0-openmp")


# bertc's columns: engine -> (bundle file, extra compile arguments).
BERTC_ENGINES = {
    "bertc": ("model.bertc", []),
    "bertc-onednn": ("model.onednn.bertc", ["--gemm", "onednn"]),
    "bertc-int8": ("model.int8.bertc", ["--precision", "int8"]),
    "bertc-bf16": ("model.bf16.bertc", ["--precision", "bf16"]),
}


def cpu_runs_bf16():
    """Whether bertc runs bf16 here: the CPU has avx512_bf16 and BERTC_ISA does not cap it."""
    with open("/proc/cpuinfo") as f:
        flags = next((line.split() for line in f if line.startswith("flags")), [])
    return "avx512_bf16" in flags and os.environ.get("BERTC_ISA", "").lower() in ("", "avx512")


def ensure_bundle(model_dir, engine):
    name, extra = BERTC_ENGINES[engine]
    bundle = os.path.join(model_dir, name)
    if not os.path.exists(bundle) or os.path.getmtime(bundle) < os.path.getmtime(BERTC):
        subprocess.run([BERTC, "compile", os.path.join(model_dir, "model.onnx"), "-o", bundle, "-O3"] + extra,
                       check=True)
    return bundle


def ensure_quantized_onnx(model_dir):
    path = os.path.join(model_dir, "model_quantized.onnx")
    if not os.path.exists(path):
        subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "tools", "quantize_onnx.py"),
                        os.path.join(model_dir, "model.onnx"), path], check=True)
    return path


def ensure_model(name, engines):
    out = os.path.join(ROOT, "build", "models", name)
    if not os.path.exists(os.path.join(out, "model.onnx")):
        print(f"making {name} (random weights) in {out} ...", file=sys.stderr)
        subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "tools", "make_models.py"),
                        "--full", name, "--out", out], check=True)
    bundles = {e: ensure_bundle(out, e) for e in engines if e.startswith("bertc")}
    if "onnxruntime-int8" in engines:
        ensure_quantized_onnx(out)
    return out, bundles


def run_engine(engine, model_dir, bundles, batch, seq, runs, warmup, threads):
    """The engine's timed runs (ms); for bertc also its JSON report (FLOPs, measured peak)."""
    if engine.startswith("bertc"):
        cmd = [BERTC, "bench", bundles[engine], "--batch", str(batch), "--seq", str(seq), "--runs",
               str(runs), "--warmup", str(warmup), "--threads", str(threads), "--json"]
        env = None
    elif engine.startswith("onnxruntime"):
        onnx_file = "model_quantized.onnx" if engine == "onnxruntime-int8" else "model.onnx"
        cmd = ["node", os.path.join(ROOT, "bench", "ort_bench.mjs"), os.path.join(model_dir, onnx_file),
               str(batch), str(seq), str(runs), str(warmup), str(threads)]
        env = None
    else:
        cmd = ["/usr/bin/python3", os.path.join(ROOT, "bench", "torch_bench.py"), model_dir,
               str(batch), str(seq), str(runs), str(warmup), str(threads)]
        env = dict(os.environ, LD_LIBRARY_PATH=OPENBLAS_OPENMP, OMP_NUM_THREADS=str(threads))
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout
    report = json.loads(out.strip().splitlines()[-1])
    return report["times_ms"], report


# The workload's columns: (label, engine, extra bench arguments).
WORKLOAD_COLUMNS = [
    ("bertc packed", "bertc", {"sort": False, "padded": False}),
    ("bertc padded", "bertc", {"sort": False, "padded": True}),
    ("bertc padded sorted", "bertc", {"sort": True, "padded": True}),
    ("ORT padded", "onnxruntime", {"sort": False}),
    ("ORT padded sorted", "onnxruntime", {"sort": True}),
    ("PyTorch padded sorted", "pytorch", {"sort": True}),
    ("bertc uniform", "bertc", {"sort": False, "padded": False, "uniform": True}),
]


def run_workload_column(column, model_dir, bundle, lengths_file, uniform_file, batch_size, runs, threads):
    """One pass timing (ms per pass over the workload) of a workload column."""
    _, engine, opts = column
    lengths = uniform_file if opts.get("uniform") else lengths_file
    if engine == "bertc":
        cmd = [BERTC, "bench", bundle, "--lengths", "@" + lengths, "--batch-size", str(batch_size),
               "--runs", str(runs), "--warmup", "0", "--threads", str(threads), "--json"]
        cmd += ["--sort"] if opts["sort"] else []
        cmd += ["--padded"] if opts["padded"] else []
        env = None
    elif engine == "onnxruntime":
        cmd = ["node", os.path.join(ROOT, "bench", "ort_bench.mjs"), os.path.join(model_dir, "model.onnx"),
               "1", "1", str(runs), "0", str(threads), lengths, str(batch_size), "1" if opts["sort"] else "0"]
        env = None
    else:
        cmd = ["/usr/bin/python3", os.path.join(ROOT, "bench", "torch_bench.py"), model_dir, "1", "1",
               str(runs), "0", str(threads), lengths, str(batch_size), "1" if opts["sort"] else "0"]
        env = dict(os.environ, LD_LIBRARY_PATH=OPENBLAS_OPENMP, OMP_NUM_THREADS=str(threads))
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout
    return json.loads(out.strip().splitlines()[-1])["times_ms"]


def run_workload(args):
    with open(args.workload) as f:
        lengths = [int(x) for x in f.read().split()]
    tokens = sum(lengths)
    uniform_file = os.path.join(ROOT, "build", "uniform_lengths.txt")
    base, extra = divmod(tokens, len(lengths))  # same sequences and tokens, lengths as equal as can be
    with open(uniform_file, "w") as f:
        f.write("\n".join(str(base + (i < extra)) for i in range(len(lengths))) + "\n")
    engines = sorted({c[1] for c in WORKLOAD_COLUMNS})
    check_engines(engines)
    results = []
    print(f"# workload {args.workload}: {len(lengths)} sequences, {tokens} tokens, batches of "
          f"{args.batch_size}; {args.threads} threads; {args.runs * args.rounds} passes per cell "
          f"(interleaved rounds); real tokens/s (median pass)")
    print(f"{'model':<12}" + "".join(f"{c[0]:>23}" for c in WORKLOAD_COLUMNS))
    for name in args.models.split(","):
        model_dir, bundles = ensure_model(name, ["bertc"])
        times = {c[0]: [] for c in WORKLOAD_COLUMNS}
        for _ in range(args.rounds):
            for c in WORKLOAD_COLUMNS:
                times[c[0]] += run_workload_column(c, model_dir, bundles["bertc"], args.workload, uniform_file,
                                                   args.batch_size, args.runs, args.threads)
        row = {"model": name, "tokens": tokens, "threads": args.threads,
               "median_ms": {k: statistics.median(v) for k, v in times.items()}}
        row["tokens_per_s"] = {k: tokens / (ms / 1e3) for k, ms in row["median_ms"].items()}
        results.append(row)
        print(f"{name:<12}" + "".join(f"{row['tokens_per_s'][c[0]]:>23.0f}" for c in WORKLOAD_COLUMNS), flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", default="bert-base,distilbert")
    ap.add_argument("--configs", default="1x64,1x128,1x256,4x128")
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--engines", default="bertc,bertc-onednn,onnxruntime,pytorch")
    ap.add_argument("--peak-gflops", type=float,
                    help="the machine's total fp32 peak (default: measured by bertc bench)")
    ap.add_argument("--json", help="also write the raw results here")
    ap.add_argument("--workload", help="a file of sequence lengths: time a pass over it (see above)")
    ap.add_argument("--batch-size", type=int, default=32, help="--workload: sequences per batch")
    args = ap.parse_args()
    if args.workload:
        run_workload(args)
        return
    engines = args.engines.split(",")
    if "bertc-bf16" in engines and not cpu_runs_bf16():
        print("compare.py: leaving out bertc-bf16: this CPU has no avx512_bf16 (bertc refuses bf16 here)",
              file=sys.stderr)
        engines.remove("bertc-bf16")
    if "bertc" not in engines:
        sys.exit("compare.py: --engines must include bertc (it counts the FLOPs and measures the peak)")
    check_engines(engines)
    results = []
    for name in args.models.split(","):
        model_dir, bundles = ensure_model(name, engines)
        for config in args.configs.split(","):
            batch, seq = (int(x) for x in config.split("x"))
            times = {e: [] for e in engines}
            peaks = []
            for _ in range(args.rounds):
                for e in engines:
                    t, report = run_engine(e, model_dir, bundles, batch, seq, args.runs, args.warmup,
                                           args.threads)
                    times[e] += t
                    if e == "bertc":
                        gflop = report["gflop"]
                        peaks.append(report["peak_gflops"])
            peak = args.peak_gflops or statistics.median(peaks)
            row = {"model": name, "batch": batch, "seq": seq, "threads": args.threads, "gflop": gflop,
                   "peak_gflops": peak, "speed_of_light_ms": gflop / peak * 1e3,
                   "runs_per_engine": args.runs * args.rounds,
                   "median_ms": {e: statistics.median(t) for e, t in times.items()}}
            results.append(row)
            print_row(row, engines)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


HEADER_DONE = []


def col_width(engine):
    return max(16, len(engine) + 5)


def print_row(row, engines):
    if not HEADER_DONE:
        print(f"# {row['threads']} threads, {row['runs_per_engine']} timed runs per engine and cell "
              f"(interleaved rounds); fp32 peak {row['peak_gflops']:.0f} GFLOP/s; medians in ms")
        cols = "".join(f"{e + ' ms':>{col_width(e)}}" for e in engines)
        int8 = f"{'b32/b8':>8}{'ORT8/b8':>9}" if "bertc-int8" in engines else ""
        int8 += f"{'b32/bf':>8}" if "bertc-bf16" in engines else ""
        print(f"{'model':<12}{'B x S':>8}{'SoL ms':>9}{cols}{'ORT/bertc':>11}{'bertc %pk':>11}{'ORT %pk':>9}{int8}")
        HEADER_DONE.append(True)
    med = row["median_ms"]
    cols = "".join(f"{med[e]:>{col_width(e)}.2f}" for e in engines)
    sol = row["speed_of_light_ms"]
    speedup = f"{med['onnxruntime'] / med['bertc']:>10.2f}x" if "bertc" in med and "onnxruntime" in med else f"{'':>11}"
    pk_b = f"{100 * sol / med['bertc']:>10.0f}%" if "bertc" in med else f"{'':>11}"
    pk_o = f"{100 * sol / med['onnxruntime']:>8.0f}%" if "onnxruntime" in med else f"{'':>9}"
    int8 = ""
    if "bertc-int8" in med:
        int8 = f"{med['bertc'] / med['bertc-int8']:>7.2f}x"
        int8 += f"{med['onnxruntime-int8'] / med['bertc-int8']:>8.2f}x" if "onnxruntime-int8" in med else f"{'':>9}"
    if "bertc-bf16" in med:
        int8 += f"{med['bertc'] / med['bertc-bf16']:>7.2f}x"
    print(f"{row['model']:<12}{row['batch']:>4} x{row['seq']:<4}{sol:>8.1f}{cols}{speedup}{pk_b}{pk_o}{int8}", flush=True)


if __name__ == "__main__":
    main()
