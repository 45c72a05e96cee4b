#!/usr/bin/env python3
"""PyTorch reference for the CUDA operators' benchmark (the seeds' formulation), run in the same
call on the same GPU as CudaBench (scripts/bench-gpu.sh). Median CUDA-event time over repetitions,
after warm-up; seeded random unit vectors. Writes JSON to argv[1]."""
import json
import os
import sys

import torch

N, DIM = 62_423, 384
dev = torch.device("cuda")
g = torch.Generator(device=dev).manual_seed(42)


def unit(rows):
    x = torch.randn(rows, DIM, device=dev, generator=g)
    return x / x.norm(dim=1, keepdim=True)


def timed(fn, reps=20, warm=3):
    for _ in range(warm):
        fn()
    torch.cuda.synchronize()
    ts = []
    for _ in range(reps):
        a = torch.cuda.Event(enable_timing=True)
        b = torch.cuda.Event(enable_timing=True)
        a.record()
        fn()
        b.record()
        torch.cuda.synchronize()
        ts.append(a.elapsed_time(b))
    ts.sort()
    return ts[len(ts) // 2]


rows = []
items = unit(N)
queries = unit(10_000)
items_bf16 = items.to(torch.bfloat16)
for prec in ("fp32", "tf32", "bf16"):
    torch.backends.cuda.matmul.allow_tf32 = prec == "tf32"
    X = items_bf16 if prec == "bf16" else items
    for b, k in ((1, 20), (100, 20), (1000, 20), (4096, 20), (1000, 10), (1000, 100), (1000, 1024)):
        Q = queries[:b].to(X.dtype)
        ms = timed(lambda: torch.topk(Q @ X.T, k, dim=1))
        rows.append({"op": "score", "precision": prec, "batch": b, "k": k, "device_ms": ms})
        print("torch-bench:", rows[-1], flush=True)
    Q = queries.to(X.dtype)
    ms = timed(lambda: torch.topk(Q @ X.T, 50, dim=1), reps=5)
    rows.append({"op": "cache-rebuild", "precision": prec, "batch": 10_000, "k": 50, "device_ms": ms})
    print("torch-bench:", rows[-1], flush=True)
torch.backends.cuda.matmul.allow_tf32 = False

# Thompson sampling 1000 x 1000: Beta(a, b).sample()
a = torch.randint(1, 101, (1000, 1000), device=dev).double()
bb = torch.randint(1, 1001, (1000, 1000), device=dev).double()
ms = timed(lambda: torch.distributions.Beta(a, bb).sample())
rows.append({"op": "thompson", "precision": "fp64", "batch": 1_000_000, "k": 0, "device_ms": ms})
print("torch-bench:", rows[-1], flush=True)

# Count-Min, 1M events into 7 x 2^20 (bucket indices precomputed on the device: scatter_add_ only)
W = 1 << 20
counts = torch.zeros(7, W, dtype=torch.int64, device=dev)
idx = torch.randint(0, W, (7, 1_000_000), device=dev)
ones = torch.ones(7, 1_000_000, dtype=torch.int64, device=dev)
ms = timed(lambda: counts.scatter_add_(1, idx, ones))
rows.append({"op": "cms-count", "precision": "int64", "batch": 1_000_000, "k": 0, "device_ms": ms})
print("torch-bench:", rows[-1], flush=True)

# EMA index-put formulation (seeds): U[u] = normalise((1-a) U[u] + a w X[i]), batch copied host->device,
# 10M users x 384 resident (issue 3), as CudaBench's ema
users = int(os.environ.get("BENCH_EMA_USERS", "10000000"))
U = torch.zeros(users, DIM, device=dev)
Xi = unit(10_000)
cpu_gen = torch.Generator().manual_seed(5)
bu = torch.randint(0, users, (100_000,), generator=cpu_gen).pin_memory()
bi = torch.randint(0, 10_000, (100_000,), generator=cpu_gen).pin_memory()
bw = torch.ones(100_000).pin_memory()


def ema():
    u = bu.to(dev, non_blocking=True)
    i = bi.to(dev, non_blocking=True)
    w = bw.to(dev, non_blocking=True)
    t = 0.9 * U[u] + 0.1 * w[:, None] * Xi[i]
    U[u] = t / t.norm(dim=1, keepdim=True).clamp_min(1e-30)


ms = timed(ema)
rows.append({"op": "ema", "precision": "fp32", "batch": 100_000, "k": 0, "device_ms": ms})
print("torch-bench:", rows[-1], flush=True)

# ceilings: device-to-device copy bandwidth and a large bf16 matmul
src = torch.empty(1 << 30, dtype=torch.uint8, device=dev)
dst = torch.empty_like(src)
ms = timed(lambda: dst.copy_(src), reps=10)
rows.append({"op": "ceiling-copy", "precision": "bytes", "batch": 0, "k": 0, "device_ms": ms,
             "gb_per_s": 2 * (1 << 30) / ms / 1e6})
A = torch.randn(8192, 8192, device=dev, dtype=torch.bfloat16)
ms = timed(lambda: A @ A, reps=10)
rows.append({"op": "ceiling-bf16-matmul", "precision": "bf16", "batch": 8192, "k": 0, "device_ms": ms,
             "tflops": 2 * 8192 ** 3 / ms / 1e9})
print("torch-bench:", rows[-2], rows[-1], flush=True)

json.dump({"device": torch.cuda.get_device_name(0), "torch": torch.__version__, "measurements": rows},
          open(sys.argv[1], "w"), indent=1)
