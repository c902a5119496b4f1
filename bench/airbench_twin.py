#!/usr/bin/env python3
"""experiments/airbench94.yaml in PyTorch on the CPU: the same recipe on the same data, to compare accuracy and time.

    PY bench/airbench_twin.py DATA_ROOT [--seed 0] [--threads 2] [--autocast bf16] [--epochs 9.9]
        [--no-epoch-eval] [--targets 0.9,0.91]

PY is the python of a current PyTorch (bench/install-torch prints one); PyTorch is a measuring tool here, never
a dependency. DATA_ROOT holds cifar-10-batches-bin/ (the official binary layout, as the runner reads it).

Written from the recipe's published description (Keller Jordan, "94% on CIFAR-10 in 3.29 seconds on a single
GPU", arXiv 2404.00498; its airbench94), the facts docs/airbench.md lists:
  network     conv 2x2 (24 filters, no padding, bias; weight frozen, set by patch whitening; bias trained for the
              first 3 epochs), GELU, three groups [conv 3x3 same no bias, maxpool 2, batch norm, GELU, conv 3x3
              same no bias, batch norm, GELU] of 64, 256, 256 filters, maxpool 3, flatten, dense 10 without bias,
              x 1/9. Batch norm: eps 1e-12, momentum 0.4 (PyTorch's convention), weight frozen at 1, bias trained.
              Every 3x3 conv: the first in_channels filters dirac (identity), the rest PyTorch's default.
  whitening   eigenvectors of the covariance of the 2x2x3 patches (stride 1) of the first 5,000 normalised
              training images, each divided by sqrt(eigenvalue + 5e-4), largest eigenvalue first, then the same
              filters negated: 24 filters.
  data        (x/255 - mean) / std; reflect pad 2 + random 32x32 crop, a new one every epoch; alternating flip:
              a random half of the images mirrored once before the first epoch, and all of them mirrored again in
              every odd epoch (epochs counted from 0); reshuffled every epoch, the last partial batch dropped.
  training    batch 1024, 9.9 epochs = ceil(48 * 9.9) = 476 steps; cross-entropy with label smoothing 0.2
              summed over the batch; SGD Nesterov momentum 0.85, lr = 11.5 / (1024 (1 + 1/(1 - 0.85))),
              weight_decay = 0.0153 * 1024 / (same) / lr (coupled, as torch.optim.SGD); batch-norm biases at 64x
              that lr with weight_decay / 64 (the same absolute decay); lr factor linear 0.2 -> 1 over the first
              int(0.23 * steps) steps, then linear to 0.07 at the last; every 5 steps every floating-point
              tensor of the state (parameters and batch-norm running statistics) <- its EMA with decay
              0.95^5 (step / steps)^3, and once more with decay 1 after the last step.
  evaluation  plain test accuracy after each epoch (not timed, as the recipe's own log); at the end the mean of
              the logits of the image and its mirror, averaged with the mean over the one-pixel translations
              up-left and down-right (reflect padding 1), each with its mirror: test_accuracy_tta.

Timed (train_seconds, as the recipe times itself): the whitening initialisation, the training steps and the final
TTA evaluation; data loading and the per-epoch plain evaluations are not. Prints one JSON line per epoch and a
final line with the figures the runner records (accuracies as fractions, as metrics.json):
  {"framework", "precision", "seed", "threads", "epochs", "steps", "params", "frozen_params", "test_accuracy",
   "test_accuracy_tta", "train_seconds", "images_per_second", "time_to": {target: seconds}}
time_to gives, for each --targets accuracy, the train_seconds at the end of the first epoch whose plain test
accuracy reached it (null: never).
"""
import argparse, contextlib, json, math, os, time
import numpy as np
import torch, torch.nn as nn, torch.nn.functional as F

MEAN = (0.4914, 0.4822, 0.4465)
STD = (0.2470, 0.2435, 0.2616)


def load(root, names):
    xs, ys = [], []
    for n in names:
        raw = np.fromfile(os.path.join(root, "cifar-10-batches-bin", n), dtype=np.uint8).reshape(-1, 3073)
        ys.append(raw[:, 0].astype(np.int64))
        xs.append(raw[:, 1:].reshape(-1, 3, 32, 32))
    x = torch.from_numpy(np.concatenate(xs)).float() / 255
    x = (x - torch.tensor(MEAN).view(1, 3, 1, 1)) / torch.tensor(STD).view(1, 3, 1, 1)
    return x, torch.from_numpy(np.concatenate(ys))


class Scale(nn.Module):
    def __init__(self, factor):
        super().__init__()
        self.factor = factor

    def forward(self, x):
        return x * self.factor


def conv(cin, cout, kernel=3, padding="same", bias=False):
    c = nn.Conv2d(cin, cout, kernel, padding=padding, bias=bias)   # PyTorch's default init, then dirac
    with torch.no_grad():
        nn.init.dirac_(c.weight[:cin])
        if bias:
            c.bias.zero_()
    return c


def norm(c):
    b = nn.BatchNorm2d(c, eps=1e-12, momentum=0.4)
    b.weight.requires_grad = False
    return b


def group(cin, cout):
    return nn.Sequential(conv(cin, cout), nn.MaxPool2d(2), norm(cout), nn.GELU(),
                         conv(cout, cout), norm(cout), nn.GELU())


def network():
    net = nn.Sequential(conv(3, 24, 2, padding=0, bias=True), nn.GELU(),
                        group(24, 64), group(64, 256), group(256, 256),
                        nn.MaxPool2d(3), nn.Flatten(), nn.Linear(256, 10, bias=False), Scale(1 / 9))
    net[0].weight.requires_grad = False                          # the whitening filters stay as computed
    return net


def whiten(layer, images, eps=5e-4):
    """Sets layer.weight to the whitening filters of the 2x2 patches of `images` and their negatives."""
    c, (h, w) = images.shape[1], layer.weight.shape[2:]
    patches = images.unfold(2, h, 1).unfold(3, w, 1).transpose(1, 3).reshape(-1, c, h, w).double()
    flat = patches.reshape(len(patches), -1)
    cov = flat.T @ flat / len(flat)
    values, vectors = torch.linalg.eigh(cov)                     # ascending
    values, vectors = values.flip(0), vectors.T.flip(0)         # largest first, one eigenvector a row
    filters = (vectors / torch.sqrt(values + eps).view(-1, 1)).reshape(-1, c, h, w)
    with torch.no_grad():
        layer.weight.copy_(torch.cat([filters, -filters]).float())


def crop(padded, size, gen):
    """A random size x size crop of each image (offsets uniform in 0..pad*2, rows and columns independent)."""
    n, _, hp, wp = padded.shape
    dy = torch.randint(0, hp - size + 1, (n,), generator=gen)
    dx = torch.randint(0, wp - size + 1, (n,), generator=gen)
    out = torch.empty(n, padded.shape[1], size, size)
    for oy in range(hp - size + 1):          # 25 masks instead of 50,000 slices
        for ox in range(wp - size + 1):
            m = (dy == oy) & (dx == ox)
            if m.any():
                out[m] = padded[m, :, oy:oy + size, ox:ox + size]
    return out


def tta_logits(net, x):
    def mirror(v):
        return 0.5 * net(v).float() + 0.5 * net(v.flip(-1)).float()
    padded = F.pad(x, (1, 1, 1, 1), mode="reflect")
    shifted = 0.5 * mirror(padded[:, :, 0:32, 0:32]) + 0.5 * mirror(padded[:, :, 2:34, 2:34])
    return 0.5 * mirror(x) + 0.5 * shifted


def accuracy(net, x, y, cast, tta, batch=1000):
    net.eval()
    correct = 0
    with torch.no_grad(), cast():
        for b in range(0, len(x), batch):
            v = x[b:b + batch].contiguous(memory_format=torch.channels_last)
            logits = tta_logits(net, v) if tta else net(v)
            correct += (logits.argmax(1) == y[b:b + batch]).sum().item()
    net.train()
    return correct / len(x)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("root")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--autocast", choices=["bf16"])
    p.add_argument("--epochs", type=float, default=9.9)
    p.add_argument("--no-epoch-eval", action="store_true")
    p.add_argument("--targets", default="")
    a = p.parse_args()
    cast = (lambda: torch.autocast("cpu", dtype=torch.bfloat16)) if a.autocast else contextlib.nullcontext
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    gen = torch.Generator().manual_seed(a.seed)
    targets = [float(t) for t in a.targets.split(",") if t]
    xtr, ytr = load(a.root, ["data_batch_%d.bin" % i for i in range(1, 6)])
    xte, yte = load(a.root, ["test_batch.bin"])

    batch, momentum = 1024, 0.85
    per_epoch = len(xtr) // batch                                # drop_last
    steps = math.ceil(per_epoch * a.epochs)
    kilostep = 1024 * (1 + 1 / (1 - momentum))
    lr = 11.5 / kilostep
    wd = 0.0153 * batch / kilostep
    lr_bn = lr * 64.0

    net = network().to(memory_format=torch.channels_last)
    params = sum(q.numel() for q in net.parameters())
    frozen = sum(q.numel() for q in net.parameters() if not q.requires_grad)
    bn_biases = [q for n, q in net.named_parameters() if q.requires_grad and isinstance(
        net.get_submodule(n.rsplit(".", 1)[0]), nn.BatchNorm2d)]
    others = [q for q in net.parameters() if q.requires_grad and all(q is not b for b in bn_biases)]
    opt = torch.optim.SGD([dict(params=bn_biases, lr=lr_bn, weight_decay=wd / lr_bn),
                           dict(params=others, lr=lr, weight_decay=wd / lr)], momentum=momentum, nesterov=True)
    warm = int(steps * 0.23)

    def factor(s):
        if s < warm:
            return 0.2 + 0.8 * s / warm
        return 1.0 + (0.07 - 1.0) * (s - warm) / (steps - warm)

    sched = torch.optim.lr_scheduler.LambdaLR(opt, factor)
    ema = {k: v.clone() for k, v in net.state_dict().items() if v.dtype.is_floating_point}

    def lookahead(decay):
        state = net.state_dict()
        with torch.no_grad():
            for k, e in ema.items():
                e.lerp_(state[k], 1 - decay)
                state[k].copy_(e)

    loss_fn = nn.CrossEntropyLoss(label_smoothing=0.2, reduction="sum")

    # data prepared once, untimed (the runner's loader runs beside training)
    flipped = torch.where((torch.rand(len(xtr), generator=gen) < 0.5).view(-1, 1, 1, 1), xtr.flip(-1), xtr)
    padded = F.pad(flipped, (2, 2, 2, 2), mode="reflect")

    train_seconds = 0.0
    t0 = time.perf_counter()
    whiten(net[0], xtr[:5000])
    train_seconds += time.perf_counter() - t0
    time_to = {str(t): None for t in targets}
    step, test_acc = 0, None
    for epoch in range(math.ceil(a.epochs)):
        net[0].bias.requires_grad = epoch < 3
        images = crop(padded, 32, gen)
        if epoch % 2 == 1:
            images = images.flip(-1)
        order = torch.randperm(len(images), generator=gen)
        losses = []
        t0 = time.perf_counter()
        net.train()
        for b in range(per_epoch):
            idx = order[b * batch:(b + 1) * batch]
            x = images[idx].contiguous(memory_format=torch.channels_last)
            with cast():
                out = net(x)
            loss = loss_fn(out.float(), ytr[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            step += 1
            losses.append(loss.item() / batch)
            if step % 5 == 0:
                lookahead(0.95 ** 5 * (step / steps) ** 3)
            if step >= steps:
                lookahead(1.0)
                break
        train_seconds += time.perf_counter() - t0
        line = {"epoch": epoch + 1, "steps": step, "train_loss": round(sum(losses) / len(losses), 4),
                "train_seconds": round(train_seconds, 2)}
        if not a.no_epoch_eval:
            test_acc = accuracy(net, xte, yte, cast, tta=False)
            line["test_accuracy"] = test_acc
            for t in targets:
                if time_to[str(t)] is None and test_acc >= t:
                    time_to[str(t)] = round(train_seconds, 2)
        print(json.dumps(line), flush=True)
    if a.no_epoch_eval:
        test_acc = accuracy(net, xte, yte, cast, tta=False)
    t0 = time.perf_counter()
    tta = accuracy(net, xte, yte, cast, tta=True)
    train_seconds += time.perf_counter() - t0
    print(json.dumps({"framework": "pytorch " + torch.__version__, "precision": a.autocast or "fp32",
                      "seed": a.seed, "threads": a.threads, "epochs": a.epochs, "steps": steps,
                      "params": params, "frozen_params": frozen, "test_accuracy": test_acc,
                      "test_accuracy_tta": tta, "train_seconds": round(train_seconds, 2),
                      "images_per_second": round(steps * batch / train_seconds, 1), "time_to": time_to}), flush=True)


if __name__ == "__main__":
    main()
