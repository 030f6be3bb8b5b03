#!/usr/bin/python3
"""Writes the single-tower AlexNet (227x227, LRN, 1000 classes) as an ONNX model for ONNX Runtime, with the
weights alexnet4j wrote to a safetensors file (alexnet4j's parameter names), so both run the same network.

    python3 bench/peers/export_onnx.py WEIGHTS.safetensors MODEL.onnx [lrn|decomposed]

LRN as ONNX's LRN op (the default), or as PyTorch's default export decomposes it (pad, average pool, power,
division: the elementwise kernels ONNX Runtime has vectorized, where its LRN kernel is not). Debian's
python3-torch and python3-onnx suffice; the batch axis is dynamic (opset 13)."""
import json
import struct
import sys

import numpy as np
import torch
from torch import nn


def read_safetensors(path):
    """The float32 tensors of a safetensors file, by name."""
    with open(path, "rb") as f:
        header_length = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(header_length))
        data = f.read()
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        if entry["dtype"] != "F32":
            raise ValueError(f"{name}: expected F32, got {entry['dtype']}")
        begin, end = entry["data_offsets"]
        tensors[name] = torch.from_numpy(np.frombuffer(data[begin:end], dtype="<f4").copy().reshape(entry["shape"]))
    return tensors


class Lrn(torch.autograd.Function):
    """PyTorch's LocalResponseNorm, exported as ONNX's own LRN op (the same formula: x / (k + alpha/n * sum x^2)^beta)
    rather than the pad / average-pool / power ops the default export decomposes it into."""

    @staticmethod
    def forward(ctx, x):
        return torch.nn.functional.local_response_norm(x, 5, alpha=5e-4, beta=0.75, k=2.0)

    @staticmethod
    def symbolic(g, x):
        return g.op("LRN", x, size_i=5, alpha_f=5e-4, beta_f=0.75, bias_f=2.0)


class DecomposedLrn(torch.autograd.Function):
    """PyTorch's LocalResponseNorm as its own ops, which the export writes as pad, average pool, power and division."""

    @staticmethod
    def apply(x):
        return torch.nn.functional.local_response_norm(x, 5, alpha=5e-4, beta=0.75, k=2.0)


class SingleTower(nn.Module):
    """alexnet4j's single-tower variant: conv -> ReLU -> LRN -> max pool for conv1 and conv2, conv3-5 with ReLU,
    max pool, fc6 -> ReLU -> dropout, fc7 -> ReLU -> dropout, fc8. LRN as the paper (k = 2, n = 5, beta = 0.75,
    alpha 1e-4 per element, 5e-4 in PyTorch's alpha/n convention). alexnet4j's 6x6 adaptive average pool after
    pool5 is the identity at 227 and left out (its ONNX export needs static spatial sizes)."""

    def __init__(self, classes=1000, lrn=Lrn):
        super().__init__()
        self.lrn = lrn
        self.conv1 = nn.Conv2d(3, 96, 11, stride=4)
        self.conv2 = nn.Conv2d(96, 256, 5, padding=2)
        self.conv3 = nn.Conv2d(256, 384, 3, padding=1)
        self.conv4 = nn.Conv2d(384, 384, 3, padding=1)
        self.conv5 = nn.Conv2d(384, 256, 3, padding=1)
        self.fc6 = nn.Linear(256 * 6 * 6, 4096)
        self.fc7 = nn.Linear(4096, 4096)
        self.fc8 = nn.Linear(4096, classes)
        self.pool = nn.MaxPool2d(3, 2)
        self.drop = nn.Dropout(0.5)

    def forward(self, x):
        x = self.pool(self.lrn.apply(torch.relu(self.conv1(x))))
        x = self.pool(self.lrn.apply(torch.relu(self.conv2(x))))
        x = torch.relu(self.conv3(x))
        x = torch.relu(self.conv4(x))
        x = self.pool(torch.relu(self.conv5(x)))
        x = torch.flatten(x, 1)
        x = self.drop(torch.relu(self.fc6(x)))
        x = self.drop(torch.relu(self.fc7(x)))
        return self.fc8(x)


def main():
    if len(sys.argv) not in (3, 4) or sys.argv[3:] not in ([], ["lrn"], ["decomposed"]):
        sys.exit("usage: export_onnx.py WEIGHTS.safetensors MODEL.onnx [lrn|decomposed]")
    weights = read_safetensors(sys.argv[1])
    lrn = DecomposedLrn if sys.argv[3:] == ["decomposed"] else Lrn
    model = SingleTower(classes=weights["fc8.bias"].shape[0], lrn=lrn)
    missing = set(model.state_dict()) ^ set(weights)
    if missing:
        sys.exit(f"weights and model differ in: {sorted(missing)}")
    model.load_state_dict(weights)
    model.eval()
    torch.onnx.export(model, torch.zeros(1, 3, 227, 227), sys.argv[2], input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}}, opset_version=13)


if __name__ == "__main__":
    main()
