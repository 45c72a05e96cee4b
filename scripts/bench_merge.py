#!/usr/bin/env python3
"""Merges CudaBench's and bench_torch.py's JSON (one run, one GPU) into the report JSON and prints one
line per comparable measurement: gpu-bench: op=<name> ours=<ms> torch=<ms> ratio=<torch/ours> unit=ms
(ratio > 1: ours is faster). Usage: bench_merge.py java.json torch.json out.json"""
import json
import math
import sys

java = json.load(open(sys.argv[1]))
torch = json.load(open(sys.argv[2]))


def clean(v):
    return None if isinstance(v, float) and math.isnan(v) else v


tmap = {(m["op"], m["precision"], m["batch"], m["k"]): m for m in torch["measurements"]}
lines, merged = [], []
tprec = {"exact": "fp32", "fp32": "fp32", "tf32": "tf32", "bf16": "bf16", "int64": "int64",
         "fp64": "fp64", "fp64-accumulate": "fp32"}
for m in java["measurements"]:
    m = {k: clean(v) for k, v in m.items()}
    key = (m["op"], tprec.get(m["precision"], m["precision"]), m["batch"], m["k"])
    t = tmap.get(key)
    if t is None and m["op"] == "ema":
        t = next((x for x in torch["measurements"] if x["op"] == "ema"), None)
    ours = m["device_ms"] if m.get("device_ms") is not None else m.get("wall_ms")
    if t is not None and ours:
        m["torch_ms"] = t["device_ms"]
        m["ratio_torch_over_ours"] = t["device_ms"] / ours
        name = m["op"] if m["op"] != "score" else "score-%s-b%d-k%d" % (m["precision"], m["batch"], m["k"])
        lines.append("gpu-bench: op=%s ours=%.4f torch=%.4f ratio=%.3f unit=ms%s" % (
            name, ours, t["device_ms"], t["device_ms"] / ours,
            (" recall=%.4f" % m["recall_vs_exact"]) if "recall_vs_exact" in m else ""))
    merged.append(m)
out = {"device": java["device"], "torch_device": torch["device"], "torch": torch["torch"],
       "note": "ours = median device time (CUDA events around uploads, kernels, downloads) of the Java operator call; "
               "torch = median CUDA-event time of the PyTorch formulation with inputs already on the device "
               "(EMA: including the batch's host-to-device copy). Same run, same GPU.",
       "measurements": merged,
       "torch_measurements": torch["measurements"]}
json.dump(out, open(sys.argv[3], "w"), indent=1)
print("\n".join(lines))
