#!/usr/bin/python3
"""Writes the texts of bench/serve_load.sh: one per line, one per length of the committed
workload bench/mixed_lengths.txt, each of (length - 2) common words that WordPiece keeps whole,
so that with [CLS] and [SEP] a text has the workload's token count (up to the model's limit).

  /usr/bin/python3 bench/serve_texts.py [--lengths bench/mixed_lengths.txt] --out texts.txt
"""
import argparse
import os

WORDS = ("the model reads each word of a long passage and the server answers every query "
         "with one vector for search over many documents in this small test").split()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--lengths", default=os.path.join(here, "mixed_lengths.txt"))
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    with open(args.out, "w") as out:
        out.writelines(t + "\n" for t in workload_texts(args.lengths))


def workload_texts(lengths_file):
    """One text per length of lengths_file (see the module's docstring)."""
    with open(lengths_file) as f:
        lengths = [int(line) for line in f if line.strip()]
    return [" ".join(WORDS[(i + k) % len(WORDS)] for k in range(max(n - 2, 1))) for i, n in enumerate(lengths)]


if __name__ == "__main__":
    main()
