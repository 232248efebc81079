#!/usr/bin/python3
"""Writes bench/mixed_lengths.txt: the committed mixed-length workload of bench/compare.py
--workload. 512 sequence lengths (tokens, special tokens included) drawn once, seeded, from a
log-normal of median 40 tokens (sigma 0.9: most queries and sentences short, a long tail of
passages), clamped to [3, 512], one per line, in arrival order.

  /usr/bin/python3 bench/make_workload.py [--count 512] [--seed 2026] [--out bench/mixed_lengths.txt]
"""
import argparse
import math
import os
import random


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=512)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--median", type=float, default=40)
    ap.add_argument("--sigma", type=float, default=0.9)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "mixed_lengths.txt"))
    args = ap.parse_args()
    rng = random.Random(args.seed)
    lengths = [min(512, max(3, round(rng.lognormvariate(math.log(args.median), args.sigma))))
               for _ in range(args.count)]
    with open(args.out, "w") as f:
        f.write("\n".join(str(n) for n in lengths) + "\n")
    lengths.sort()
    print(f"{args.out}: {len(lengths)} sequences, {sum(lengths)} tokens, median {lengths[len(lengths) // 2]}, "
          f"p90 {lengths[int(0.9 * len(lengths))]}, max {lengths[-1]}")


if __name__ == "__main__":
    main()
