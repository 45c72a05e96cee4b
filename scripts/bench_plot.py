#!/usr/bin/env python3
"""Plots docs/benchmarks/gpu-operators-<device>.json (from scripts/gpu-run.sh) into a PNG.
Usage: bench_plot.py in.json out.png   (needs matplotlib; Debian: apt-get install python3-matplotlib)"""
import json
import sys

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt

d = json.load(open(sys.argv[1]))
ms = d["measurements"]
fig, (a1, a2) = plt.subplots(1, 2, figsize=(13, 5))
colors = {"exact": "tab:gray", "fp32": "tab:blue", "tf32": "tab:orange", "bf16": "tab:green"}
for prec in ("exact", "fp32", "tf32", "bf16"):
    pts = sorted((m["batch"], m["device_ms"], m.get("torch_ms")) for m in ms
                 if m["op"] == "score" and m["precision"] == prec and m["k"] == 20)
    if not pts:
        continue
    a1.plot([p[0] for p in pts], [p[1] for p in pts], "o-", color=colors[prec], label="hyperrec CUDA " + prec)
    if prec != "exact":
        a1.plot([p[0] for p in pts], [p[2] for p in pts], "x--", color=colors[prec], label="PyTorch matmul+topk " + prec)
a1.set_xscale("log")
a1.set_yscale("log")
a1.set_xlabel("queries per batch B (N = 62,423 items, d = 384, k = 20)")
a1.set_ylabel("device time per batch, ms (median)")
a1.set_title("Scoring: fused top-k vs PyTorch, same run, " + d["torch_device"])
a1.grid(True, which="both", alpha=0.3)
a1.legend(fontsize=7)
other = [m for m in ms if m.get("torch_ms") and m["op"] != "score"]
labels = ["%s %s" % (m["op"], m["precision"]) for m in other]
x = range(len(other))
a2.bar([i - 0.2 for i in x], [m["device_ms"] for m in other], 0.4, label="hyperrec CUDA (incl. transfers)")
a2.bar([i + 0.2 for i in x], [m["torch_ms"] for m in other], 0.4, label="PyTorch (data on device)")
a2.set_xticks(list(x))
a2.set_xticklabels(labels, rotation=30, ha="right", fontsize=8)
a2.set_yscale("log")
a2.set_ylabel("device time, ms (median)")
a2.set_title("Other operators")
a2.legend(fontsize=8)
a2.grid(True, axis="y", alpha=0.3)
fig.tight_layout()
fig.savefig(sys.argv[2], dpi=110)
print("wrote", sys.argv[2])
