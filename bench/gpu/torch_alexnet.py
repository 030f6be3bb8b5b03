#!/usr/bin/env python3
"""PyTorch timing of the same AlexNet that `alexnet4j bench` times, on the same GPU, for a side-by-side table.

The `paper` variant layer for layer as org.alexnet4j.model.AlexNet builds it (60,965,224 parameters at
1000 classes): two towers as groups=2, LRN(n=5, alpha=5e-4 in PyTorch's alpha/n convention, beta=0.75, k=2)
after the ReLUs of conv1 and conv2, overlapping max pooling (3, stride 2), the adaptive average pooling to
6x6 (a no-op at 227), then fc6 -> ReLU -> dropout -> fc7 -> ReLU -> dropout -> fc8. Random N(0, 1) 227x227
images, labels i mod classes; forward runs in eval mode (no dropout), as `bench --mode forward`. A training step is forward, cross-entropy, backward and SGD (momentum
0.9, weight decay 5e-4). Each step is timed with CUDA events after warm-up; prints one JSON object per run
with the median and the mean step time.

Usage: torch_alexnet.py --batch 128 --mode forward|train --precision fp32|tf32 [--warmup 10] [--iterations 30]
"""
import argparse
import json
import statistics

import torch
from torch import nn


def paper_alexnet(classes: int) -> nn.Sequential:
    lrn = lambda: nn.LocalResponseNorm(size=5, alpha=5e-4, beta=0.75, k=2.0)
    return nn.Sequential(
        nn.Conv2d(3, 96, 11, stride=4), nn.ReLU(inplace=True), lrn(), nn.MaxPool2d(3, 2),
        nn.Conv2d(96, 256, 5, padding=2, groups=2), nn.ReLU(inplace=True), lrn(), nn.MaxPool2d(3, 2),
        nn.Conv2d(256, 384, 3, padding=1), nn.ReLU(inplace=True),
        nn.Conv2d(384, 384, 3, padding=1, groups=2), nn.ReLU(inplace=True),
        nn.Conv2d(384, 256, 3, padding=1, groups=2), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2),
        nn.AdaptiveAvgPool2d(6), nn.Flatten(),
        nn.Linear(9216, 4096), nn.ReLU(inplace=True), nn.Dropout(0.5),
        nn.Linear(4096, 4096), nn.ReLU(inplace=True), nn.Dropout(0.5),
        nn.Linear(4096, classes),
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch", type=int, required=True)
    parser.add_argument("--mode", choices=["forward", "train"], required=True)
    parser.add_argument("--precision", choices=["fp32", "tf32"], default="fp32")
    parser.add_argument("--classes", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--iterations", type=int, default=30)
    args = parser.parse_args()

    tf32 = args.precision == "tf32"
    torch.backends.cuda.matmul.allow_tf32 = tf32
    torch.backends.cudnn.allow_tf32 = tf32
    torch.backends.cudnn.benchmark = True  # choose algorithms per shape once, as cudnnFind* does in alexnet4j
    device = torch.device("cuda")
    torch.manual_seed(42)

    model = paper_alexnet(args.classes).to(device)
    images = torch.randn(args.batch, 3, 227, 227, device=device)
    labels = torch.arange(args.batch, device=device) % args.classes
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-4, momentum=0.9, weight_decay=5e-4)
    loss_function = nn.CrossEntropyLoss()

    if args.mode == "forward":
        model.eval()

        def step():
            with torch.no_grad():
                model(images)
    else:
        model.train()

        def step():
            optimizer.zero_grad(set_to_none=False)
            loss_function(model(images), labels).backward()
            optimizer.step()

    for _ in range(args.warmup):
        step()
    torch.cuda.synchronize()
    times_ms = []
    for _ in range(args.iterations):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        step()
        end.record()
        end.synchronize()
        times_ms.append(start.elapsed_time(end))
    median = statistics.median(times_ms)
    mean = statistics.fmean(times_ms)
    print(json.dumps({
        "framework": "pytorch", "torch": torch.__version__, "cuda": torch.version.cuda,
        "cudnn": torch.backends.cudnn.version(), "device": torch.cuda.get_device_name(),
        "variant": "paper", "batch": args.batch, "mode": args.mode, "precision": args.precision,
        "iterations": args.iterations, "median_ms": median, "mean_ms": mean,
        "img_per_s_median": args.batch / median * 1e3, "img_per_s_mean": args.batch / mean * 1e3,
    }))


if __name__ == "__main__":
    main()
