#!/usr/bin/env python3
"""Debian PyTorch reference for docs/performance.md: GEMM GFLOP/s of torch.mm (Debian's PyTorch calls the system
BLAS, libblas.so.3, i.e. OpenBLAS when libopenblas0-pthread is installed) and the forward-mode JVP over 1000 probe
inputs of the MLP 784-512-512-10 with functorch.jvp, the same workload as Telescope's bench. Prints one JSON object.
Run through bench/compare-pytorch.sh, which alternates it with Telescope's own measurement.
Usage: python3 reference.py [threads]"""
import json
import statistics
import sys
import time

import torch
from functorch import jvp, make_functional

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
torch.set_num_threads(threads)
torch.manual_seed(0)


def rates(n, dtype, rounds=7):
    a, b = torch.randn(n, n, dtype=dtype), torch.randn(n, n, dtype=dtype)
    reps = max(1, int(3e9 / (2 * n ** 3)))
    samples = []
    for r in range(rounds + 1):
        start = time.perf_counter()
        for _ in range(reps):
            torch.mm(a, b)
        seconds = time.perf_counter() - start
        if r > 0:  # the first round is the warm-up
            samples.append(2 * n ** 3 * reps / seconds / 1e9)
    samples.sort()
    return {"median": round(samples[len(samples) // 2], 1), "best": round(samples[-1], 1)}


def median_ms(action, warmup=3, repetitions=15):
    for _ in range(warmup):
        action()
    samples = []
    for _ in range(repetitions):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1e3)
    return statistics.median(samples), min(samples), max(samples)


model = torch.nn.Sequential(torch.nn.Linear(784, 512), torch.nn.ReLU(), torch.nn.Linear(512, 512), torch.nn.ReLU(),
                            torch.nn.Linear(512, 10))
fmodel, params = make_functional(model)
x = torch.rand(1000, 784)
tangent = tuple(torch.randn_like(p) * 1e-3 for p in params)


def forward_jvp():
    with torch.no_grad():
        jvp(lambda *p: fmodel(p, x), params, tangent)


jvp_ms = median_ms(forward_jvp)
report = {
    "pytorch": torch.__version__,
    "blas": torch.__config__.show().split("BLAS_INFO=")[1].split(",")[0],
    "threads": threads,
    "jvp_functorch_ms": round(jvp_ms[0], 3),
    "jvp_functorch_min_max_ms": [round(jvp_ms[1], 3), round(jvp_ms[2], 3)],
    "gemm_gflops": {f"{'f32' if dt == torch.float32 else 'f64'}_n{n}": rates(n, dt)
                    for dt in (torch.float32, torch.float64) for n in (256, 512, 1024)},
}
print(json.dumps(report, indent=2))
