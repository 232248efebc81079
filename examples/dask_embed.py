#!/usr/bin/python3
"""Embeds a text file (one text per line) on a Dask cluster with bertc, one .npy per partition.

  # on this machine: a LocalCluster of --workers processes
  examples/dask_embed.py MODEL corpus.txt --workers 2 --output-dir vectors/
  # on a cluster: dask scheduler (host A); dask worker tcp://A:8786 --nworkers 2 --nthreads 1 (each host)
  examples/dask_embed.py MODEL corpus.txt --scheduler tcp://A:8786 --output-dir /shared/vectors/

MODEL is a sentence-transformers folder or a .bertc bundle, at a path every worker can read (as
is --output-dir). Prints one JSON line: texts, partitions, workers, seconds, texts_per_s, and each
worker's bertc.dask.worker_stats() (models loaded, partitions embedded).
"""
import argparse
import json
import time

import dask.bag as db
from dask.distributed import Client, LocalCluster

import bertc.dask


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model")
    ap.add_argument("texts", help="a text file, one text per line")
    ap.add_argument("--scheduler", help="a running scheduler's address (default: start a LocalCluster)")
    ap.add_argument("--workers", type=int, default=2, help="LocalCluster worker processes; with --scheduler, wait for this many")
    ap.add_argument("--threads-per-worker", type=int, default=1)
    ap.add_argument("--partitions", type=int, default=None, help="default: 4 per worker")
    ap.add_argument("--output-dir", default="vectors")
    ap.add_argument("--normalize", action="store_true", help="L2-normalize the embeddings")
    args = ap.parse_args()

    if args.scheduler:
        client = Client(args.scheduler)
        client.wait_for_workers(args.workers, timeout=120)
    else:
        client = Client(LocalCluster(n_workers=args.workers, threads_per_worker=args.threads_per_worker,
                                     processes=True, host="127.0.0.1", dashboard_address=None))
    with client:
        with open(args.texts, encoding="utf-8") as f:
            texts = [line.rstrip("\n") for line in f]
        partitions = args.partitions or 4 * len(client.scheduler_info()["workers"])
        start = time.perf_counter()
        paths = bertc.dask.encode(db.from_sequence(texts, npartitions=partitions), args.model,
                                  output_dir=args.output_dir, normalize_embeddings=args.normalize)
        seconds = time.perf_counter() - start
        stats = client.run(bertc.dask.worker_stats)
        print(json.dumps({"texts": len(texts), "partitions": len(paths), "workers": len(stats),
                          "seconds": round(seconds, 3), "texts_per_s": round(len(texts) / seconds, 1),
                          "output_dir": args.output_dir,
                          "worker_stats": stats}))


if __name__ == "__main__":
    main()
