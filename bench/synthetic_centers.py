#!/usr/bin/env python3
"""A data directory with N centers for the console and server benchmarks: the shipped data with centers.yaml
replaced by N copies of the shipped centers (ids suffixed -sK, names suffixed #K; every other field, with its
source, as shipped). Illustrative only: the copies are not real centers.

Usage: synthetic_centers.py SHIPPED_DATA_DIR OUT_DIR N
"""
import re
import shutil
import sys

src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
shutil.rmtree(dst, ignore_errors=True)
shutil.copytree(src, dst)
head, rest = open(f"{src}/centers.yaml").read().split("\ncenters:\n", 1)
blocks = rest.split("\n  - id: ")
blocks[0] = blocks[0].removeprefix("  - id: ")
out = []
for k in range(n):
    first, body = blocks[k % len(blocks)].rstrip("\n").split("\n", 1)
    for field in ("name", "name_en"):
        body = re.sub(rf'^(    {field}: ".*?)"', lambda m: m.group(1) + f' #{k}"', body, count=1, flags=re.M)
    out.append(f"  - id: {first.strip()}-s{k}\n{body}\n")
with open(f"{dst}/centers.yaml", "w") as f:
    f.write(head + "\ncenters:\n" + "".join(out))
