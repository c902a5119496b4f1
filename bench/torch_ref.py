#!/usr/bin/env python3
"""PyTorch's throughput on a twin of one of the project's benchmark networks, measured as `runner bench` measures.

    PY bench/torch_ref.py NAME [--batch N] [--eval-batch 256] [--steps N] [--warmup 10] [--channels-last]
                               [--threads 2] [--optimizer sgd|adam|adamw] [--autocast bf16] [--profile N]
    PY bench/torch_ref.py --list

NAME is an experiment under experiments/ or bench/networks/ with a twin in bench/twins.py (origin, resnet9,
branches, gelu_mlp, vgg_dropout, tiny, wide, respool). PY is PyTorch's python: `bench/install-torch`
prints a venv's python with a current PyTorch (2.x, MKL, oneDNN 3); /usr/bin/python3 after
`apt-get install -y python3-torch` is Debian's PyTorch 1.13.

Like `runner bench FILE --no-data`: four random batches in turn, `--warmup` untimed training steps (forward,
softmax cross-entropy, backward, optimizer step), `--steps` timed ones; then `--warmup` untimed and `--steps`
timed inference passes at `--eval-batch` (eval mode, no autograd). The defaults are `runner bench`'s (50 and 10);
bench/compare gives each network its own. The batch size and optimizer default to the
experiment file's; `--optimizer` picks another kind with PyTorch's defaults (lr 1e-3). `--autocast bf16` runs
forward passes and the loss under torch.autocast("cpu", dtype=torch.bfloat16). `--profile N` then runs N more
training steps under torch.profiler and prints their operators by self CPU time (ms per step) on standard error,
to set beside the runner's `ONEDNN_VERBOSE=1` figures.

Prints one JSON line with `runner bench`'s keys (train_images_per_s, eval_images_per_s, params, train_batch,
eval_batch, steps, warmup, peak_rss_mb, backend). Alternate it with `runner bench` and compare ratios
(bench/compare does): absolute figures drift on shared machines.
"""
import argparse
import contextlib
import json
import os
import resource
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from twins import TWINS, optimizer  # noqa: E402

DISTINCT_BATCHES = 4


def main():
    p = argparse.ArgumentParser(description="PyTorch throughput of a benchmark network's twin (one JSON line).")
    p.add_argument("name", nargs="?", help="network: " + ", ".join(TWINS))
    p.add_argument("--list", action="store_true", help="print the twins' names and parameter counts")
    p.add_argument("--batch", type=int, help="training batch size (default: the experiment's)")
    p.add_argument("--eval-batch", type=int, default=256, help="evaluation batch size (default 256)")
    p.add_argument("--steps", type=int, default=50, help="timed steps per figure (default 50)")
    p.add_argument("--warmup", type=int, default=10, help="untimed steps before each figure (default 10)")
    p.add_argument("--channels-last", action="store_true", help="channels_last memory format (else NCHW)")
    p.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
    p.add_argument("--optimizer", choices=["sgd", "adam", "adamw"], help="default: the experiment file's")
    p.add_argument("--autocast", choices=["bf16"], help="mixed precision: torch.autocast('cpu', bfloat16)")
    p.add_argument("--profile", type=int, metavar="N", default=0,
                   help="after the timed figures, N more training steps under torch.profiler: their operators "
                        "by self CPU time, per step, as a table on standard error")
    a = p.parse_args()
    if a.list:
        for name, (make, chw, batch, (kind, _)) in TWINS.items():
            print(f"{name:12} input {list(chw)}  batch {batch:4}  {kind:6} "
                  f"{sum(t.numel() for t in make().parameters()):>10,} params")
        return
    if a.name not in TWINS:
        p.error(f"unknown network {a.name!r}; one of: {', '.join(TWINS)}")
    if min(a.eval_batch, a.threads) <= 0 or (a.batch or 1) <= 0 or a.steps <= 0 or a.warmup < 0:
        p.error("--batch, --eval-batch, --steps and --threads must be positive, --warmup 0 or more")

    make, chw, batch, (kind, settings) = TWINS[a.name]
    batch, steps = a.batch or batch, a.steps
    if a.optimizer and a.optimizer != kind:
        kind, settings = a.optimizer, {}
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    fmt = torch.channels_last if a.channels_last else torch.contiguous_format
    net = make().to(memory_format=fmt)
    opt = optimizer(kind, settings, net.parameters())
    cast = ((lambda: torch.autocast("cpu", dtype=torch.bfloat16)) if a.autocast == "bf16"
            else contextlib.nullcontext)

    def batches(n):
        return [torch.rand(n, *chw).sub_(0.5).contiguous(memory_format=fmt) for _ in range(DISTINCT_BATCHES)]

    xs = batches(batch)
    ys = [torch.randint(0, 10, (batch,)) for _ in range(DISTINCT_BATCHES)]

    def train(i):
        opt.zero_grad()
        with cast():
            loss = F.cross_entropy(net(xs[i % DISTINCT_BATCHES]), ys[i % DISTINCT_BATCHES])
        loss.backward()
        opt.step()
        return loss

    net.train()
    train_rate = rate(train, batch, a.warmup, steps)
    if not torch.isfinite(train(0)):
        sys.exit(f"torch_ref.py: {a.name}: training produced NaN")

    net.eval()
    xe = batches(a.eval_batch)

    def infer(i):
        with torch.no_grad(), cast():
            return net(xe[i % DISTINCT_BATCHES])[0, 0].item()

    eval_rate = rate(infer, a.eval_batch, a.warmup, steps)
    if a.profile:
        net.train()
        with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU], record_shapes=True) as prof:
            for i in range(a.profile):
                train(i)
        ops = sorted(prof.key_averages(group_by_input_shape=True), key=lambda e: -e.self_cpu_time_total)
        print(f"{'ms/step':>8} {'calls':>5}  operator  input shapes", file=sys.stderr)
        for e in ops[:40]:
            print(f"{e.self_cpu_time_total / 1000 / a.profile:8.2f} {e.count // a.profile:5}  {e.key}  "
                  f"{e.input_shapes}", file=sys.stderr)
        print(f"{sum(e.self_cpu_time_total for e in ops) / 1000 / a.profile:8.2f}        all operators",
              file=sys.stderr)

    print(json.dumps({
        "experiment": a.name,
        "train_images_per_s": round(train_rate, 1),
        "eval_images_per_s": round(eval_rate, 1),
        "params": sum(t.numel() for t in net.parameters()),
        "train_batch": batch,
        "eval_batch": a.eval_batch,
        "steps": steps,
        "warmup": a.warmup,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
        "backend": {
            "framework": "pytorch " + torch.__version__,
            "threads": torch.get_num_threads(),
            "memory_format": "channels_last" if a.channels_last else "nchw",
            "optimizer": kind,
            "autocast": a.autocast,
            "onednn": torch.backends.mkldnn.is_available(),
        },
    }))


def rate(step, batch, warmup, steps):
    for i in range(warmup):
        step(i)
    t0 = time.perf_counter()
    for i in range(steps):
        step(i)
    return batch * steps / (time.perf_counter() - t0)


if __name__ == "__main__":
    main()
