#!/usr/bin/env python3
"""Where a runner step's oneDNN time goes: oneDNN's own per-primitive timings, summed by kind and by shape.

    ONEDNN_VERBOSE=1 java -jar target/runner.jar bench FILE --no-data --steps S --warmup W > LOG 2>&1
    python3 bench/onednn_profile.py LOG --steps S+W [--eval] [--top 40]

oneDNN 2.5 prints one `onednn_verbose,exec,...` line per primitive run, its time in ms last. A primitive of
propagation `forward_inference` belongs to an evaluation pass (--eval), any other to a training step; reorders
and binary primitives (no propagation kind) to the pass of the primitive before them. --steps is the number of
training steps (or evaluation passes) the log holds, warm-up included. Prints ms per step by primitive kind and propagation, then by primitive, implementation and shape.
Set the figures beside `bench/torch_ref.py NAME --profile N` (PyTorch's operators) to compare layer by layer.
"""
import argparse
import collections


def main():
    p = argparse.ArgumentParser(description="oneDNN time per step from an ONEDNN_VERBOSE=1 log of `runner bench`.")
    p.add_argument("log")
    p.add_argument("--steps", type=float, required=True, help="training steps (or passes) in the log, warm-up included")
    p.add_argument("--eval", action="store_true", help="the evaluation passes instead of the training steps")
    p.add_argument("--top", type=int, default=40, help="how many primitives to list (default 40)")
    a = p.parse_args()
    by_kind, by_prim, calls = collections.Counter(), collections.Counter(), collections.Counter()
    evaluating = False
    with open(a.log, errors="replace") as f:
        for line in f:
            if not line.startswith("onednn_verbose,exec,"):
                continue
            fields = line.rstrip("\n").split(",")
            kind, impl, prop = fields[3], fields[4], fields[5]
            if prop != "undef":
                evaluating = prop == "forward_inference"
            if evaluating != a.eval:
                continue
            ms, shape, layouts = float(fields[-1]), fields[-2], fields[6]
            by_kind[kind + " " + prop] += ms
            key = (kind, impl, prop, shape, layouts)
            by_prim[key] += ms
            calls[key] += 1
    n = a.steps
    print(f"{sum(by_kind.values()) / n:9.2f} ms per {'pass' if a.eval else 'step'}, all primitives")
    for k, ms in by_kind.most_common():
        print(f"{ms / n:9.2f}  {k}")
    print(f"\n{'ms':>9} {'calls':>5}  primitive, implementation, propagation, shape, layouts")
    for key, ms in by_prim.most_common(a.top):
        print(f"{ms / n:9.2f} {calls[key] / n:5.0f}  {' | '.join(key)}")


if __name__ == "__main__":
    main()
