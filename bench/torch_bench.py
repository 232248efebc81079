#!/usr/bin/python3
"""PyTorch side of the comparison (Debian's python3-torch 1.13, eager, inference mode).

  /usr/bin/python3 bench/torch_bench.py MODEL_DIR BATCH SEQ RUNS WARMUP THREADS

MODEL_DIR is a folder written by `tools/make_models.py --full`: its meta.json gives the
architecture, config and seed, from which the same random weights are rebuilt. PyTorch's
matrix products go to whatever libblas.so.3 is loaded; bench/compare.py pins OpenBLAS's
OpenMP build (LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp). Prints
{"engine": "pytorch", "times_ms": [...]} on one line.
"""
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
import make_models  # noqa: E402


def main():
    model_dir, batch, seq, runs, warmup, threads = sys.argv[1:7]
    batch, seq, runs, warmup, threads = int(batch), int(seq), int(runs), int(warmup), int(threads)
    torch.set_num_threads(threads)
    with open(os.path.join(model_dir, "meta.json")) as f:
        meta = json.load(f)
    model = make_models.build_model(meta["arch"], meta["config"], meta["seed"]).eval()
    n = batch * seq
    ids = torch.tensor([3 + (i * 7919) % 97 for i in range(n)], dtype=torch.int64).view(batch, seq)
    feeds = {"input_ids": ids, "attention_mask": torch.ones(batch, seq, dtype=torch.int64)}
    if "token_type_ids" in meta["inputs"]:
        feeds["token_type_ids"] = torch.zeros(batch, seq, dtype=torch.int64)
    times = []
    with torch.inference_mode():
        for _ in range(warmup):
            model(**feeds)
        for _ in range(runs):
            t0 = time.perf_counter()
            model(**feeds)
            times.append((time.perf_counter() - t0) * 1e3)
    print(json.dumps({"engine": "pytorch", "times_ms": times}))


if __name__ == "__main__":
    main()
