#!/usr/bin/python3
"""experiments/resnet9_aug.yaml in PyTorch, to compare test accuracy per epoch with the runner's.

Needs Debian's PyTorch 1.13:  apt-get install -y python3-torch   (then run with /usr/bin/python3)

    bench/torch_resnet9_train.py DATA_ROOT [--epochs 3] [--seed 42] [--threads 2] [--autocast bf16] [--stop-after N]
        [--recalibrate N]

DATA_ROOT holds cifar-10-batches-bin/ (the official binary layout). The experiment as the runner reads it
(docs/experiment-files.md, docs/training.md): torchvision's ResNet (BasicBlock, 1x1 conv + batch norm
projection when the shape changes) with a 3x3 stem and max-pool, channels 64-128-256-512, initialised as
torchvision does (every conv kaiming_normal_(mode="fan_out", nonlinearity="relu"), batch norm weight 1 and
bias 0, the final Linear at PyTorch's default); training images zero-padded by 4, a random 32x32 crop and a
horizontal flip with p = 0.5, then (x/255 - 0.5) / 0.5; batch 64, reshuffled every epoch, the last partial
batch kept; SGD lr 5e-3, momentum 0.9, weight decay 0.032 on every parameter; the cosine schedule stepped every
iteration over the whole run (lr_t = lr * (1 + cos(pi t / T)) / 2, T = epochs * batches per epoch); test
accuracy in eval mode after each epoch. Prints one JSON line per epoch.

--autocast bf16 trains and evaluates under torch.autocast("cpu", dtype=torch.bfloat16), as `precision: bf16`.
--stop-after N stops after epoch N (the schedule still spans --epochs). --recalibrate N also reports, after each
epoch, the test accuracy with batch norm's running statistics recomputed for the final weights (the mean of N
training batches' statistics, weights frozen; the trained model is left unchanged): "test_accuracy_recalibrated".
"""
import argparse, contextlib, copy, json, math, os, time
import numpy as np
import torch, torch.nn as nn, torch.nn.functional as F

from twins import ResNet9  # bench/twins.py: the network of experiments/resnet9.yaml


def load(root, names):
    xs, ys = [], []
    for n in names:
        raw = np.fromfile(os.path.join(root, "cifar-10-batches-bin", n), dtype=np.uint8).reshape(-1, 3073)
        ys.append(raw[:, 0].astype(np.int64))
        xs.append(raw[:, 1:].reshape(-1, 3, 32, 32))
    return np.concatenate(xs), np.concatenate(ys)


def torchvision_init(net):
    """torchvision.models.resnet.ResNet.__init__: every conv kaiming_normal_(fan_out, relu), batch norm 1 and 0."""
    for m in net.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.constant_(m.weight, 1)
            nn.init.constant_(m.bias, 0)
    return net


def augment(x, rng):
    """Pad 4 (zeros), random 32x32 crop (row offset, then column), horizontal flip p = 0.5; uint8 in and out."""
    n = len(x)
    padded = np.zeros((n, 3, 40, 40), dtype=np.uint8)
    padded[:, :, 4:36, 4:36] = x
    out = np.empty_like(x)
    rows, cols, flips = rng.integers(0, 9, n), rng.integers(0, 9, n), rng.random(n) < 0.5
    for i in range(n):
        c = padded[i, :, rows[i]:rows[i] + 32, cols[i]:cols[i] + 32]
        out[i] = c[:, :, ::-1] if flips[i] else c
    return out


def tensor(x):
    return (torch.from_numpy(np.ascontiguousarray(x)).float() / 255 - 0.5) / 0.5


def main():
    p = argparse.ArgumentParser()
    p.add_argument("root")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--autocast", choices=["bf16"])
    p.add_argument("--stop-after", type=int)
    p.add_argument("--recalibrate", type=int, default=0)
    a = p.parse_args()
    cast = (lambda: torch.autocast("cpu", dtype=torch.bfloat16)) if a.autocast else contextlib.nullcontext
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    rng = np.random.default_rng(a.seed)
    xtr, ytr = load(a.root, ["data_batch_%d.bin" % i for i in range(1, 6)])
    xte, yte = load(a.root, ["test_batch.bin"])
    net = torchvision_init(ResNet9())
    lr, batch = 5e-3, 64
    opt = torch.optim.SGD(net.parameters(), lr=lr, momentum=0.9, weight_decay=5e-4 * 64)
    per_epoch = math.ceil(len(xtr) / batch)
    total = a.epochs * per_epoch
    t = 0
    for epoch in range(1, (a.stop_after or a.epochs) + 1):
        t0 = time.time()
        net.train()
        order = rng.permutation(len(xtr))
        losses = []
        for b in range(per_epoch):
            idx = order[b * batch:(b + 1) * batch]
            for g in opt.param_groups:
                g["lr"] = lr * (1 + math.cos(math.pi * t / total)) / 2
            x, y = tensor(augment(xtr[idx], rng)), torch.from_numpy(ytr[idx])
            opt.zero_grad()
            with cast():
                loss = F.cross_entropy(net(x).float(), y)
            loss.backward()
            opt.step()
            losses.append(loss.item())
            t += 1
        seconds = time.time() - t0
        line = {"framework": "pytorch " + torch.__version__, "precision": a.autocast or "fp32", "seed": a.seed,
                "epoch": epoch, "train_loss": round(sum(losses) / len(losses), 4),
                "test_accuracy": test_accuracy(net, xte, yte, cast), "seconds": round(seconds, 1)}
        if a.recalibrate:
            line["test_accuracy_recalibrated"] = test_accuracy(
                recalibrated(net, xtr, a.recalibrate, batch, cast, np.random.default_rng(a.seed + epoch)), xte, yte, cast)
        print(json.dumps(line), flush=True)


def test_accuracy(net, xte, yte, cast):
    net.eval()
    correct = 0
    with torch.no_grad(), cast():
        for b in range(0, len(xte), 256):
            correct += (net(tensor(xte[b:b + 256])).argmax(1) == torch.from_numpy(yte[b:b + 256])).sum().item()
    return round(100.0 * correct / len(xte), 2)


def recalibrated(net, xtr, n, batch, cast, rng):
    """A copy of net whose batch norms hold the mean statistics of n augmented training batches (weights frozen)."""
    r = copy.deepcopy(net)
    for m in r.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.reset_running_stats()
            m.momentum = None  # a cumulative average
    r.train()
    with torch.no_grad(), cast():
        for b in range(n):
            r(tensor(augment(xtr[rng.integers(0, len(xtr), batch)], rng)))
    return r


if __name__ == "__main__":
    main()
