#!/usr/bin/python3
"""A/B of two bertc builds on the benchmark configurations, interleaved in one run.

Each build compiles its own bundle of every model (bundle formats may differ between builds),
then for each round, model and config, `A bench` and `B bench` run back to back (A first on odd
rounds, B first on even ones). Prints per config the median of the per-round medians of each
build and the ratio B / A (below 1: B is faster), and the geometric mean of the ratios.

    /usr/bin/python3 bench/ab_bertc.py OLD/bertc build/bertc \\
        [--models bert-base,distilbert] [--configs 1x64,1x128,1x256,4x128] [--runs 30] [--rounds 3]

Models are build/models/<model>/model.onnx, as bench/compare.py leaves them (it runs
tools/make_models.py --full).
"""
import argparse
import json
import math
import pathlib
import statistics
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent


def bench(bertc, bundle, batch, seq, runs, threads):
    out = subprocess.run([bertc, "bench", str(bundle), "--batch", str(batch), "--seq", str(seq),
                          "--runs", str(runs), "--threads", str(threads), "--json"],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)["median_ms"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("a", help="bertc binary A (the baseline)")
    ap.add_argument("b", help="bertc binary B")
    ap.add_argument("--models", default="bert-base,distilbert")
    ap.add_argument("--configs", default="1x64,1x128,1x256,4x128")
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bundles = {}
        for model in args.models.split(","):
            folder = ROOT / "build" / "models" / model
            onnx = folder / "model.onnx"
            if not onnx.is_file():
                sys.exit("ab_bertc: %s missing: /usr/bin/python3 tools/make_models.py --full %s "
                         "--out %s" % (onnx, model, folder))
            for side, bertc in (("a", args.a), ("b", args.b)):
                bundle = pathlib.Path(tmp) / ("%s_%s.bertc" % (model, side))
                subprocess.run([bertc, "compile", str(onnx), "-o", str(bundle), "-O3"],
                               check=True, capture_output=True)
                bundles[model, side] = bundle
        times = {}
        for r in range(args.rounds):
            for model in args.models.split(","):
                for config in args.configs.split(","):
                    batch, seq = (int(x) for x in config.split("x"))
                    order = ("a", "b") if r % 2 == 0 else ("b", "a")
                    for side in order:
                        bertc = args.a if side == "a" else args.b
                        ms = bench(bertc, bundles[model, side], batch, seq, args.runs, args.threads)
                        times.setdefault((model, config, side), []).append(ms)
        print("%-12s %-7s %10s %10s %7s" % ("model", "config", "A ms", "B ms", "B/A"))
        ratios = []
        for model in args.models.split(","):
            for config in args.configs.split(","):
                a = statistics.median(times[model, config, "a"])
                b = statistics.median(times[model, config, "b"])
                ratios.append(b / a)
                print("%-12s %-7s %10.2f %10.2f %7.3f" % (model, config, a, b, b / a))
        geo = math.exp(sum(math.log(x) for x in ratios) / len(ratios))
        print("geometric mean B/A over %d configs: %.3f (%d rounds of %d runs, medians)" %
              (len(ratios), geo, args.rounds, args.runs))


if __name__ == "__main__":
    main()
