#!/usr/bin/env python3
"""Print the median of every `cargo bench` benchmark, from criterion's saved estimates.

    cargo bench && python3 bench/medians.py [TARGET_DIR]

Reads TARGET_DIR/criterion/*/new/{benchmark,estimates}.json (default: target, or
$CARGO_TARGET_DIR) and prints one line per benchmark: the median and its 95 % interval.
Python 3 standard library only; writes nothing.
"""

import glob
import json
import os
import sys


def fmt(ns):
    return f"{ns / 1000:.2f} us" if ns >= 1000 else f"{ns:.0f} ns"


def main():
    target = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("CARGO_TARGET_DIR", "target")
    rows = []
    for est in glob.glob(os.path.join(target, "criterion", "*", "new", "estimates.json")):
        meta = os.path.join(os.path.dirname(est), "benchmark.json")
        name = json.load(open(meta)).get("title") if os.path.exists(meta) else est
        m = json.load(open(est))["median"]
        ci = m["confidence_interval"]
        rows.append((name, m["point_estimate"], ci["lower_bound"], ci["upper_bound"]))
    if not rows:
        sys.exit(f"no criterion results under {target}/criterion; run `cargo bench` first")
    width = max(len(r[0]) for r in rows)
    for name, med, lo, hi in sorted(rows):
        print(f"{name:<{width}}  median {fmt(med):>10}   [{fmt(lo)} .. {fmt(hi)}]")


if __name__ == "__main__":
    main()
