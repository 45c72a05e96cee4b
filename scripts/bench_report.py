#!/usr/bin/env python3
"""Merges CudaBench's and bench_torch.py's JSON (one run, one GPU) into the report that
scripts/bench-gpu.sh leaves in <outdir>: gpu-<device>.json, gpu-<device>.txt (the printed lines),
gpu-<device>.md (a markdown table) and gpu-<device>.png (needs matplotlib; skipped without it).

Printed, one per measurement:  gpu-bench: op=<name> ours=<x> torch=<y> ratio=<x/y> unit=<unit>
  - scoring ops score-<exact|fp32|tf32|bf16>-b<B> (k = 20; other k get a -k<k> suffix): unit users/s,
    ratio = ours/torch (> 1: ours faster); exact is compared with PyTorch fp32;
  - ema: unit events/s, ratio = ours/torch;
  - cache-rebuild-<prec>, thompson, cms-count: unit ms, ratio = torch/ours (> 1: ours faster).
Then one 'gpu-bench-info:' line per op with the device times, the fraction of the roofline
(floor time / measured time; floor = max(FLOPs / peak, bytes / bandwidth), peaks measured in the
same run: D2D copy bandwidth, bf16 matmul; tf32 = bf16/2; fp32 67 and fp64 34 TFLOP/s are the
datasheet's) and, for scoring, recall@k against the exact path.
Usage: bench_report.py java.json torch.json outdir"""
import json
import math
import os
import sys

java = json.load(open(sys.argv[1]))
torch = json.load(open(sys.argv[2]))
outdir = sys.argv[3]
name = torch["device"].lower().replace("nvidia", "").strip().split()[0]
base = os.path.join(outdir, "gpu-%s" % name)

N, D = 62_423, 384
T = {(m["op"], m["precision"], m["batch"], m["k"]): m for m in torch["measurements"]}
bw = next(m["gb_per_s"] for m in torch["measurements"] if m["op"] == "ceiling-copy") * 1e9
bf16_peak = next(m["tflops"] for m in torch["measurements"] if m["op"] == "ceiling-bf16-matmul") * 1e12
peak = {"bf16": bf16_peak, "tf32": bf16_peak / 2, "fp32": 67e12, "exact": 34e12}


def clean(v):
    return None if isinstance(v, float) and math.isnan(v) else v


def score_floor(prec, b, k):
    flops = 2.0 * b * N * D
    item_bytes = 2 if prec == "bf16" else 4
    byts = N * D * item_bytes + b * D * 4 + b * k * 8
    return max(flops / peak[prec], byts / bw)


lines, info, rows, merged = [], [], [], []
for m in java["measurements"]:
    m = {k: clean(v) for k, v in m.items()}
    merged.append(m)
    op, prec, b, k, ours = m["op"], m["precision"], m["batch"], m["k"], m.get("device_ms")
    if not ours:
        continue
    if op in ("score", "cache-rebuild"):
        tp = "fp32" if prec == "exact" else prec
        t = T.get((op, tp, b, k))
        if t is None:
            continue
        floor_ms = score_floor(prec, b, k) * 1e3
        m["torch_ms"] = t["device_ms"]
        m["roofline_fraction"] = floor_ms / ours
        m["torch_roofline_fraction"] = score_floor(tp, b, k) * 1e3 / t["device_ms"]
        if op == "score":
            nm = "score-%s-b%d" % (prec, b) + ("" if k == 20 else "-k%d" % k)
            x, y, unit = b / ours * 1e3, b / t["device_ms"] * 1e3, "users/s"
            lines.append("gpu-bench: op=%s ours=%.1f torch=%.1f ratio=%.3f unit=%s" % (nm, x, y, x / y, unit))
        else:
            nm = "cache-rebuild-%s" % prec
            x, y, unit = ours, t["device_ms"], "ms"
            lines.append("gpu-bench: op=%s ours=%.4f torch=%.4f ratio=%.3f unit=%s" % (nm, x, y, y / x, unit))
        extra = ""
        if m.get("recall_vs_exact") is not None:
            extra = " recall@%d=%.4f" % (k, m["recall_vs_exact"])
        info.append("gpu-bench-info: op=%s ours_ms=%.4f gpu_ms=%s kernels_ms=%s torch_ms=%.4f roofline=%.3f torch_roofline=%.3f%s" % (
            nm, ours, "%.4f" % m["gpu_ms"] if m.get("gpu_ms") is not None else "-",
            "%.4f" % m["kernel_ms"] if m.get("kernel_ms") is not None else "-", t["device_ms"],
            m["roofline_fraction"], m["torch_roofline_fraction"], extra))
        rows.append((nm, ours, t["device_ms"], t["device_ms"] / ours, m["roofline_fraction"],
                     m.get("recall_vs_exact"), m.get("gpu_ms")))
    elif op in ("thompson", "cms-count", "ema"):
        t = next((x for x in torch["measurements"] if x["op"] == op), None)
        if t is None:
            continue
        m["torch_ms"] = t["device_ms"]
        if op == "thompson":
            byts = b * (8 + 8 + 4)           # read alpha, beta (fp64), write the draw (fp32)
        elif op == "cms-count":
            byts = b * 8 + 7 * b * 16        # read keys, read+write one int64 counter per row
        else:
            byts = b * (3 * D * 4 + 16)      # read user + item rows, write user row; the batch itself
        floor_ms = byts / bw * 1e3
        m["roofline_fraction"] = floor_ms / ours
        if op == "ema":
            x, y = b / ours * 1e3, b / t["device_ms"] * 1e3
            lines.append("gpu-bench: op=ema ours=%.0f torch=%.0f ratio=%.3f unit=events/s" % (x, y, x / y))
        else:
            lines.append("gpu-bench: op=%s ours=%.4f torch=%.4f ratio=%.3f unit=ms" % (op, ours, t["device_ms"], t["device_ms"] / ours))
        extra = ""
        if m.get("call_ms") is not None:
            extra += " call_ms_with_transfers=%.4f" % m["call_ms"]
        if m.get("inputs_on_device"):
            extra += " inputs_on_device=true"
        if op == "ema":
            extra += " users=%d resident=true" % m.get("users", 0)
        info.append("gpu-bench-info: op=%s ours_ms=%.4f torch_ms=%.4f roofline=%.3f%s" % (op, ours, t["device_ms"], m["roofline_fraction"], extra))
        rows.append((op, ours, t["device_ms"], t["device_ms"] / ours, m["roofline_fraction"], None, None))

for m in merged:
    if m["op"] == "resident":
        info.append("gpu-bench-info: op=resident users=%d dim=%d user_table_device_gib=%.2f catalog_items=%d cache_rows=%d device_free_gib=%.2f device_total_gib=%.2f" % (
            m["users"], m["dim"], m["user_table_device_bytes"] / 2**30, m["catalog_items"], m["cache_rows"],
            m["device_free_bytes"] / 2**30, m["device_total_bytes"] / 2**30))
    elif m["op"] == "ema-check":
        info.append("gpu-bench-info: op=ema-check sampled_users=%d batches=%d max_abs_diff_vs_cpu=%.3e" % (
            m["sampled_users"], m["batches"], m["max_abs_diff_vs_cpu"]))

out = {"device": java["device"], "torch_device": torch["device"], "torch": torch["torch"],
       "ceilings": {"copy_gb_per_s": bw / 1e9, "bf16_matmul_tflops": bf16_peak / 1e12},
       "note": "ours = median device time (CUDA events from the batch upload out of pinned memory to the result "
               "download; host staging into pinned memory not included) of the Java operator call; kernel_ms = the "
               "kernels alone; torch = median CUDA-event time of the PyTorch formulation with inputs already on the "
               "device (EMA: including the batch's host-to-device copy; ours likewise, with the user table resident on the device). "
               "thompson and cms-count: ours = the kernel with its inputs already on the device, as PyTorch is timed (call_ms "
               "adds the transfers). gpu_ms = the same call with the stream held until "
               "everything is queued (spin_gate), i.e. GPU time without host submission gaps. Same run, same GPU.",
       "measurements": merged, "torch_measurements": torch["measurements"]}
json.dump(out, open(base + ".json", "w"), indent=1)
text = "\n".join(lines + info)
open(base + ".txt", "w").write(text + "\n")
print(text)

md = ["| op | ours (ms) | ours, GPU time (ms) | PyTorch (ms) | speed-up (torch/ours) | roofline fraction | recall |",
      "|---|---|---|---|---|---|---|"]
for nm, o, t, r, f, rec, kern in rows:
    md.append("| %s | %.4f | %s | %.4f | %.2f | %.3f | %s |" % (
        nm, o, "%.4f" % kern if kern is not None else "–", t, r, f, "%.4f" % rec if rec is not None else "–"))
md.append("")
md.append("Ceilings measured in the same run: copy %.0f GB/s, bf16 matmul %.0f TFLOP/s. %s" % (bw / 1e9, bf16_peak / 1e12, out["note"]))
open(base + ".md", "w").write("\n".join(md) + "\n")

try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(13, 5))
    colors = {"exact": "tab:gray", "fp32": "tab:blue", "tf32": "tab:orange", "bf16": "tab:green"}
    for prec in ("exact", "fp32", "tf32", "bf16"):
        pts = sorted((m["batch"], m["device_ms"], m.get("torch_ms")) for m in merged
                     if m["op"] == "score" and m["precision"] == prec and m["k"] == 20 and m.get("torch_ms"))
        if not pts:
            continue
        a1.plot([p[0] for p in pts], [p[1] for p in pts], "o-", color=colors[prec], label="hyperrec CUDA " + prec)
        if prec != "exact":
            a1.plot([p[0] for p in pts], [p[2] for p in pts], "x--", color=colors[prec], label="PyTorch matmul+topk " + prec)
    a1.set_xscale("log")
    a1.set_yscale("log")
    a1.set_xlabel("queries per batch B (N = 62,423 items, d = 384, k = 20)")
    a1.set_ylabel("device time per batch, ms (median)")
    a1.set_title("Scoring vs PyTorch, same run, " + torch["device"])
    a1.grid(True, which="both", alpha=0.3)
    a1.legend(fontsize=7)
    other = [m for m in merged if m.get("torch_ms") and m["op"] != "score"]
    x = range(len(other))
    a2.bar([i - 0.2 for i in x], [m["device_ms"] for m in other], 0.4, label="hyperrec CUDA (incl. transfers)")
    a2.bar([i + 0.2 for i in x], [m["torch_ms"] for m in other], 0.4, label="PyTorch")
    a2.set_xticks(list(x))
    a2.set_xticklabels(["%s %s" % (m["op"], m["precision"]) for m in other], rotation=30, ha="right", fontsize=8)
    a2.set_yscale("log")
    a2.set_ylabel("device time, ms (median)")
    a2.set_title("Other operators")
    a2.legend(fontsize=8)
    a2.grid(True, axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(base + ".png", dpi=110)
except ImportError as e:
    print("bench_report: no PNG (%s)" % e, file=sys.stderr)
