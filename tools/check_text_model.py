#!/usr/bin/env python3
"""check_text_model.py - does `bertc run DIR --text ...` give PyTorch's results?

DIR is a Hugging Face model folder written by tools/make_models.py --hf-out DIR --texts, whose
reference/texts.json holds PyTorch's results on a few texts of the tokenizer corpus (with Hugging
Face's token ids for them). This script runs the bertc command line exactly as a user would:

  bertc tokenize DIR --json --no-padding --text T [--text-pair P]   ids, type ids vs Hugging Face
  bertc run DIR -O N --json --text T1 --text T2 ...                  single texts, one batch
  bertc run DIR -O N --json --text T --text-pair P ...               pairs, one batch

and prints the max |diff| of the logits and probabilities (classifier) or the embedding
(encoder) against PyTorch's. The tolerance is 1e-4 at -O0..-O2 and 1e-3 at -O3 (fast math);
the exit status is 1 when any text is over it or any id differs. Needs no PyTorch.

  python3 tools/check_text_model.py /tmp/minilm -O 0 [--bertc build/bertc] [--threads N]
"""

import argparse
import json
import os
import subprocess
import sys
import time

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"check_text_model: {' '.join(cmd[:3])} ... failed:\n{r.stderr}")
    return r.stdout


def max_diff(a, b):
    if len(a) != len(b):
        return float("inf")
    return max((abs(x - y) for x, y in zip(a, b)), default=0.0)


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("dir", help="model folder with reference/texts.json")
    p.add_argument("-O", dest="opt_level", type=int, default=3, choices=range(4))
    p.add_argument("--bertc", default=os.path.join(REPO_ROOT, "build", "bertc"))
    p.add_argument("--threads", type=int, default=0)
    args = p.parse_args()
    with open(os.path.join(args.dir, "reference", "texts.json"), encoding="utf-8") as f:
        ref = json.load(f)
    cases = ref["cases"]
    tol = 1e-3 if args.opt_level >= 3 else 1e-4
    ok = True

    for c in cases:
        cmd = [args.bertc, "tokenize", args.dir, "--json", "--no-padding", "--text", c["text"]]
        if "pair" in c:
            cmd += ["--text-pair", c["pair"]]
        t = json.loads(run(cmd))
        if t["ids"] != c["ids"] or t["type_ids"] != c["type_ids"]:
            print(f"{c['id']}: token ids differ from Hugging Face's")
            ok = False

    results = {}
    base = [args.bertc, "run", args.dir, "-O", str(args.opt_level), "--json",
            "--threads", str(args.threads)]
    for group in ([c for c in cases if "pair" not in c], [c for c in cases if "pair" in c]):
        if not group:
            continue
        cmd = list(base)
        for c in group:
            cmd += ["--text", c["text"]] + (["--text-pair", c["pair"]] if "pair" in c else [])
        start = time.time()
        lines = run(cmd).splitlines()
        print(f"bertc run ({len(group)} texts, compiled on the fly at -O{args.opt_level}): "
              f"{time.time() - start:.1f} s")
        for c, line in zip(group, lines, strict=True):
            results[c["id"]] = json.loads(line)

    keys = ["logits", "probabilities"] if ref["task"] == "classification" else ["embedding"]
    worst = {k: 0.0 for k in keys}
    for c in cases:
        got = results[c["id"]]
        if ref["task"] == "classification" and got["labels"] != ref["labels"]:
            print(f"{c['id']}: labels {got['labels']} != {ref['labels']}")
            ok = False
        diffs = {k: max_diff(got[k], c[k]) for k in keys}
        for k, d in diffs.items():
            worst[k] = max(worst[k], d)
        print(f"  {c['id']:20s} {len(c['ids']):4d} tokens  " +
              "  ".join(f"{k} {d:.2e}" for k, d in diffs.items()))
    summary = ", ".join(f"{k} {d:.2e}" for k, d in worst.items())
    verdict = all(d <= tol for d in worst.values()) and ok
    print(f"{args.dir}: {ref['arch']}, {len(cases)} texts, -O{args.opt_level}: max |diff| "
          f"{summary} (tolerance {tol:g}) -> {'OK' if verdict else 'FAIL'}")
    return 0 if verdict else 1


if __name__ == "__main__":
    sys.exit(main())
