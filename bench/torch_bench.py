#!/usr/bin/python3
"""PyTorch side of the comparison (Debian's python3-torch 1.13, eager, inference mode).

  /usr/bin/python3 bench/torch_bench.py MODEL_DIR BATCH SEQ RUNS WARMUP THREADS [LENGTHS_FILE BATCH_SIZE SORTED]

MODEL_DIR is a folder written by `tools/make_models.py --full`: its meta.json gives the
architecture, config and seed, from which the same random weights are rebuilt. PyTorch's
matrix products go to whatever libblas.so.3 is loaded; bench/compare.py pins OpenBLAS's
OpenMP build (LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp). Prints
{"engine": "pytorch", "times_ms": [...]} on one line. With LENGTHS_FILE (one length per line):
the lengths (sorted when SORTED is 1) cut into batches of BATCH_SIZE, each padded to its
longest with the attention mask hiding the padding; a timed run is one pass over every batch.
"""
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
import make_models  # noqa: E402


def feeds_for(lengths, meta):
    """One right-padded batch of these lengths, ids as `bertc bench` makes them."""
    batch, seq = len(lengths), max(lengths)
    ids = torch.zeros(batch, seq, dtype=torch.int64)
    mask = torch.zeros(batch, seq, dtype=torch.int64)
    n = 0
    for b, length in enumerate(lengths):
        ids[b, :length] = torch.tensor([3 + ((n + j) * 7919) % 97 for j in range(length)], dtype=torch.int64)
        mask[b, :length] = 1
        n += length
    feeds = {"input_ids": ids, "attention_mask": mask}
    if "token_type_ids" in meta["inputs"]:
        feeds["token_type_ids"] = torch.zeros(batch, seq, dtype=torch.int64)
    return feeds


def main():
    model_dir, batch, seq, runs, warmup, threads = sys.argv[1:7]
    batch, seq, runs, warmup, threads = int(batch), int(seq), int(runs), int(warmup), int(threads)
    torch.set_num_threads(threads)
    with open(os.path.join(model_dir, "meta.json")) as f:
        meta = json.load(f)
    model = make_models.build_model(meta["arch"], meta["config"], meta["seed"]).eval()
    if len(sys.argv) > 7:
        with open(sys.argv[7]) as f:
            lengths = [int(x) for x in f.read().split()]
        if sys.argv[9] == "1":
            lengths.sort()
        size = int(sys.argv[8])
        batches = [feeds_for(lengths[i:i + size], meta) for i in range(0, len(lengths), size)]
    else:
        batches = [feeds_for([seq] * batch, meta)]
    times = []
    with torch.inference_mode():
        for _ in range(warmup):
            for feeds in batches:
                model(**feeds)
        for _ in range(runs):
            t0 = time.perf_counter()
            for feeds in batches:
                model(**feeds)
            times.append((time.perf_counter() - t0) * 1e3)
    print(json.dumps({"engine": "pytorch", "times_ms": times}))


if __name__ == "__main__":
    main()
