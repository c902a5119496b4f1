"""PyTorch twins of the benchmark networks: the same layers, parameter counts, padding and pooling semantics,
optimizer and batch size as the experiment file of the same name (experiments/NAME.yaml or
bench/networks/NAME.yaml). Used by torch_ref.py; PyTorch is a measuring tool here, never a dependency.

How the language maps onto PyTorch (docs/experiment-files.md):
  conv padding n / [h, w]     nn.Conv2d(padding=...)
  conv padding same           stride 1: nn.Conv2d(padding="same"); stride > 1: SamePad (ceil(in / stride) outputs,
                              the odd pixel of padding at the bottom / right, as Keras and TensorFlow), then valid
  conv / dense activation     the activation module after the layer (leaky_relu's alpha 0.01)
  gelu                        nn.GELU(), exact (erf)
  avgpool with padding        nn.AvgPool2d(count_include_pad=True), PyTorch's default
  batchnorm                   nn.BatchNorm2d on maps, nn.BatchNorm1d on vectors (eps 1e-5, momentum 0.1)
  global_avgpool / _maxpool   adaptive pooling to 1x1, flattened
  flatten                     C, H, W order
  dropout p                   nn.Dropout(p), element-wise (also on feature maps)
  add / concat                sum / torch.cat along channels (or features)
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class SamePad(nn.Module):
    """`padding: same` for a strided window: pads so the output is ceil(in / stride), the odd pixel at the end."""

    def __init__(self, kernel, stride, dilation=1):
        super().__init__()
        self.k, self.s, self.d = kernel, stride, dilation

    def forward(self, x):
        pads = []
        for size in (x.shape[-1], x.shape[-2]):  # F.pad takes the last axis first
            total = max((math.ceil(size / self.s) - 1) * self.s + (self.k - 1) * self.d + 1 - size, 0)
            pads += [total // 2, total - total // 2]
        return F.pad(x, pads)


# --- the report's networks (experiments/) -------------------------------------------------------------------

class Origin(nn.Module):
    """experiments/origin.yaml: the PyTorch CIFAR-10 tutorial CNN."""

    def __init__(self):
        super().__init__()
        self.c1, self.c2 = nn.Conv2d(3, 6, 5), nn.Conv2d(6, 16, 5)
        self.f1, self.f2, self.f3 = nn.Linear(400, 120), nn.Linear(120, 84), nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.c1(x)), 2)
        x = F.max_pool2d(F.relu(self.c2(x)), 2).flatten(1)
        return self.f3(F.relu(self.f2(F.relu(self.f1(x)))))


class Basic(nn.Module):
    """torchvision's BasicBlock; `after` applied to the sum (ReLU for ResNet9)."""

    def __init__(self, cin, cout, stride, after):
        super().__init__()
        self.a, self.ba = nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout)
        self.b, self.bb = nn.Conv2d(cout, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout)
        self.short = (nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))
                      if stride != 1 or cin != cout else nn.Identity())
        self.after = after

    def forward(self, x):
        y = self.bb(self.b(F.relu(self.ba(self.a(x)))))
        return self.after(y + self.short(x))


class ResNet9(nn.Module):
    """experiments/resnet9.yaml."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 64, 3, 1, 1, bias=False), nn.BatchNorm2d(64), nn.ReLU(),
                                  nn.MaxPool2d(3, 2, 1))
        self.blocks = nn.Sequential(*(Basic(i, o, s, nn.ReLU()) for i, o, s in
                                      [(64, 64, 1), (64, 128, 2), (128, 256, 2), (256, 512, 2)]))
        self.fc = nn.Linear(512, 10)

    def forward(self, x):
        return self.fc(F.adaptive_avg_pool2d(self.blocks(self.stem(x)), 1).flatten(1))


# --- bench/networks/ ------------------------------------------------------------------------------------------

class Branches(nn.Module):
    """bench/networks/branches.yaml: stem, three branches + concat, max-pool, two branches + concat."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 32, 3, 1, 1, bias=False), nn.BatchNorm2d(32), nn.ReLU())
        self.a = nn.Sequential(nn.Conv2d(32, 32, 1), nn.ReLU())
        self.b = nn.Sequential(nn.Conv2d(32, 24, 1), nn.ReLU(), nn.Conv2d(24, 32, 3, padding="same"), nn.ReLU())
        self.c = nn.Sequential(nn.MaxPool2d(3, 1, 1), nn.Conv2d(32, 16, 1), nn.ReLU())
        self.d = nn.Conv2d(80, 64, 3, 1, 1, bias=False)
        self.e = nn.Sequential(nn.Conv2d(80, 48, (1, 3), padding=(0, 1)),
                               nn.Conv2d(48, 64, (3, 1), padding=(1, 0), bias=False))
        self.bn = nn.BatchNorm2d(128)
        self.fc = nn.Linear(128, 10)

    def forward(self, x):
        s = self.stem(x)
        p = F.max_pool2d(torch.cat([self.a(s), self.b(s), self.c(s)], 1), 2)
        y = F.relu(self.bn(torch.cat([self.d(p), self.e(p)], 1)))
        return self.fc(F.adaptive_avg_pool2d(y, 1).flatten(1))


class Scale(nn.Module):
    """`scale: factor`: factor * x."""

    def __init__(self, factor):
        super().__init__()
        self.factor = factor

    def forward(self, x):
        return x * self.factor


def gelu_mlp():
    """bench/networks/gelu_mlp.yaml."""
    return nn.Sequential(
        nn.Conv2d(3, 32, 3, padding=2, dilation=2), nn.LeakyReLU(0.1),
        nn.AvgPool2d(3, 2, 1),
        nn.Conv2d(32, 64, 3, 2, 1), nn.Tanh(),
        nn.Flatten(),
        nn.Linear(4096, 256), nn.GELU(), nn.Dropout(0.3),
        nn.Linear(256, 10), Scale(0.5))


def vgg_dropout():
    """bench/networks/vgg_dropout.yaml."""

    def stage(cin, c):
        return [nn.Conv2d(cin, c, 3, 1, 1, bias=False), nn.BatchNorm2d(c), nn.ReLU(),
                nn.Conv2d(c, c, 3, 1, 1, bias=False), nn.BatchNorm2d(c), nn.ReLU(),
                nn.MaxPool2d(2), nn.Dropout(0.25)]

    return nn.Sequential(*stage(3, 32), *stage(32, 64), *stage(64, 128), nn.Flatten(),
                         nn.Linear(2048, 256), nn.ReLU(), nn.Dropout(0.5), nn.Linear(256, 10))


def tiny():
    """bench/networks/tiny.yaml."""
    return nn.Sequential(
        SamePad(3, 2), nn.Conv2d(3, 8, 3, 2), nn.Sigmoid(),
        nn.Conv2d(8, 16, 3, bias=False), nn.Tanh(),
        nn.AdaptiveMaxPool2d(1), nn.Flatten(),
        nn.Linear(16, 32), nn.GELU(),
        nn.Linear(32, 10))


class Wide(nn.Module):
    """bench/networks/wide.yaml."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(SamePad(5, 2), nn.Conv2d(3, 64, 5, 2, bias=False), nn.BatchNorm2d(64),
                                  nn.LeakyReLU(0.2))
        self.p = nn.Sequential(nn.Conv2d(64, 96, 3, 1, 1), nn.LeakyReLU(0.01))
        self.q = nn.Sequential(nn.Conv2d(64, 96, 3, padding=2, dilation=2), nn.GELU())
        self.r = nn.Conv2d(64, 96, 1, bias=False)
        self.body = nn.Sequential(
            nn.ReLU(), nn.AvgPool2d(3, 2, 1),
            nn.Conv2d(96, 192, 3, 1, 1), nn.BatchNorm2d(192), nn.GELU(),
            nn.MaxPool2d(3, 2, 1),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(),
            nn.Linear(192, 512, bias=False), nn.BatchNorm1d(512), nn.GELU(), nn.Dropout(0.2),
            nn.Linear(512, 10))

    def forward(self, x):
        s = self.stem(x)
        return self.body(self.p(s) + self.q(s) + self.r(s))


class Respool(nn.Module):
    """bench/networks/respool.yaml: residual blocks with a sigmoid after the sum, concat of global pools."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 32, 3, 1, 1, bias=False), nn.BatchNorm2d(32), nn.ReLU())
        self.blocks = nn.Sequential(*(Basic(i, o, s, nn.Sigmoid()) for i, o, s in
                                      [(32, 32, 1), (32, 64, 2), (64, 128, 2)]))
        self.head = nn.Sequential(nn.BatchNorm1d(256), nn.Dropout(0.2), nn.Linear(256, 10))

    def forward(self, x):
        y = self.blocks(self.stem(x))
        return self.head(torch.cat([F.adaptive_avg_pool2d(y, 1).flatten(1),
                                    F.adaptive_max_pool2d(y, 1).flatten(1)], 1))


class InvertedRes(nn.Module):
    """bench/networks/inverted_res.yaml: an inverted residual (its 3x3 convolution full, not depthwise)."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU6())
        self.block = nn.Sequential(nn.Conv2d(16, 64, 1), nn.ReLU6(), nn.Conv2d(64, 64, 3, 1, 1), nn.Hardswish(),
                                   nn.Conv2d(64, 16, 1))
        self.head = nn.Sequential(nn.Conv2d(16, 32, 3, 2, 1, bias=False), nn.SiLU(), nn.BatchNorm2d(32),
                                  nn.Hardswish(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                                  nn.Linear(32, 64), nn.SiLU(), nn.Linear(64, 10))

    def forward(self, x):
        s = self.stem(x)
        return self.head(s + self.block(s))


def sgd(lr, momentum=0.0, nesterov=False, weight_decay=0.0):
    return ("sgd", dict(lr=lr, momentum=momentum, nesterov=nesterov, weight_decay=weight_decay))


def adam(lr=1e-3, weight_decay=0.0):
    return ("adam", dict(lr=lr, weight_decay=weight_decay))


def adamw(lr=1e-3, weight_decay=0.01):
    return ("adamw", dict(lr=lr, weight_decay=weight_decay))


# name: (constructor, input [c, h, w], training batch, the experiment file's optimizer)
TWINS = {
    "origin": (Origin, (3, 32, 32), 4, sgd(1e-3, 0.9)),
    "resnet9": (ResNet9, (3, 32, 32), 64, sgd(5e-3, 0.9, weight_decay=0.032)),
    "branches": (Branches, (3, 32, 32), 64, sgd(0.05, 0.9, True, 5e-4)),
    "gelu_mlp": (gelu_mlp, (3, 32, 32), 32, adam(1e-3)),
    "vgg_dropout": (vgg_dropout, (3, 32, 32), 64, sgd(0.05, 0.9, True, 5e-4)),
    "tiny": (tiny, (3, 24, 24), 16, adamw(1e-3, 0.01)),
    "wide": (Wide, (3, 64, 64), 32, sgd(0.02, 0.9)),
    "respool": (Respool, (3, 32, 32), 128, sgd(0.05, 0.9, weight_decay=5e-4)),
    "inverted_res": (InvertedRes, (3, 32, 32), 64, sgd(0.05, 0.9, True, 5e-4)),
}


def optimizer(kind, settings, params):
    """torch.optim for an experiment's optimizer kind; settings of another kind fall back to its defaults."""
    if kind == "sgd":
        keep = {k: v for k, v in settings.items() if k in ("lr", "momentum", "nesterov", "weight_decay")}
        return torch.optim.SGD(params, **{"lr": 1e-3, **keep})
    keep = {k: v for k, v in settings.items() if k in ("lr", "weight_decay")}
    if kind == "adam":
        return torch.optim.Adam(params, **{"lr": 1e-3, **keep})
    if kind == "adamw":
        return torch.optim.AdamW(params, **{"lr": 1e-3, "weight_decay": 0.01, **keep})
    raise ValueError("unknown optimizer " + kind)
