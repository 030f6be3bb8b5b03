#!/usr/bin/env python3
"""PyTorch timing of the same AlexNets that `alexnet4j bench` times, on the same GPU, for a side-by-side table.

The `paper` variant layer for layer as org.alexnet4j.model.AlexNet builds it (60,965,224 parameters at 1000
classes): two towers as groups=2, LRN(n=5, alpha=5e-4 in PyTorch's alpha/n convention, beta=0.75, k=2) after the
ReLUs of conv1 and conv2, overlapping max pooling (3, stride 2), the adaptive average pooling to 6x6 (a no-op at
227), then fc6 -> ReLU -> dropout -> fc7 -> ReLU -> dropout -> fc8; `single-tower` is the same without groups
(62,378,344 parameters). Random N(0, 50^2) 227x227 images, labels i mod classes. A forward step is an evaluation
forward (no dropout) and the softmax cross-entropy loss, as `bench --mode forward`; a training step is forward,
cross-entropy, backward and SGD (momentum 0.9, weight decay 5e-4).

--data device keeps the batch on the GPU; --data host copies it (and the labels) from host memory every step,
as `bench --data host` does. Precisions: fp32 (no TF32 anywhere), tf32 (TF32 tensor cores in convolutions and
matrix products), bf16 and fp16 (automatic mixed precision with channels_last, FP32 master weights; fp16 with
a dynamic gradient scaler). Each step is timed with CUDA events after warm-up and ends synchronized (with
--device cpu, by the wall clock: for checking the script where no GPU is); prints one JSON object per (variant,
batch, mode, data) as soon as it is measured, with the median and mean step time.

Usage: torch_alexnet.py --precision fp32 --variant paper,single-tower --batch 128,256 --mode forward,train
                        --data device,host [--warmup 5] [--iterations 20] [--device cuda]
"""
import argparse
import contextlib
import json
import statistics
import sys
import time

import torch
from torch import nn

PARAMETERS = {"paper": 60_965_224, "single-tower": 62_378_344}


def alexnet(variant: str, classes: int) -> nn.Sequential:
    groups = 2 if variant == "paper" else 1
    lrn = lambda: nn.LocalResponseNorm(size=5, alpha=5e-4, beta=0.75, k=2.0)
    return nn.Sequential(
        nn.Conv2d(3, 96, 11, stride=4), nn.ReLU(inplace=True), lrn(), nn.MaxPool2d(3, 2),
        nn.Conv2d(96, 256, 5, padding=2, groups=groups), nn.ReLU(inplace=True), lrn(), nn.MaxPool2d(3, 2),
        nn.Conv2d(256, 384, 3, padding=1), nn.ReLU(inplace=True),
        nn.Conv2d(384, 384, 3, padding=1, groups=groups), nn.ReLU(inplace=True),
        nn.Conv2d(384, 256, 3, padding=1, groups=groups), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2),
        nn.AdaptiveAvgPool2d(6), nn.Flatten(),
        nn.Linear(9216, 4096), nn.ReLU(inplace=True), nn.Dropout(0.5),
        nn.Linear(4096, 4096), nn.ReLU(inplace=True), nn.Dropout(0.5),
        nn.Linear(4096, classes),
    )


def measure(args, variant: str, batch: int, mode: str, data: str) -> dict:
    device = torch.device(args.device)
    amp_dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(args.precision)
    channels_last = torch.channels_last if amp_dtype else torch.contiguous_format
    torch.manual_seed(42)
    model = alexnet(variant, args.classes).to(device, memory_format=channels_last)
    if args.classes == 1000:
        count = sum(p.numel() for p in model.parameters())
        assert count == PARAMETERS[variant], f"{variant}: {count} parameters, expected {PARAMETERS[variant]}"
    host_images = torch.randn(batch, 3, 227, 227) * 50
    host_labels = torch.arange(batch) % args.classes
    images, labels = host_images.to(device).contiguous(memory_format=channels_last), host_labels.to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-4, momentum=0.9, weight_decay=5e-4)
    scaler = torch.amp.GradScaler("cuda") if args.precision == "fp16" else None
    loss_function = nn.CrossEntropyLoss()
    autocast = (lambda: torch.autocast(device.type, dtype=amp_dtype)) if amp_dtype else contextlib.nullcontext
    training = mode == "train"
    model.train(training)

    def step():
        if data == "host":  # the copy in (and the layout change of AMP's channels_last) is part of the step
            x, y = host_images.to(device).contiguous(memory_format=channels_last), host_labels.to(device)
        else:
            x, y = images, labels
        if not training:
            with torch.no_grad(), autocast():
                return loss_function(model(x), y)
        optimizer.zero_grad(set_to_none=False)
        with autocast():
            loss = loss_function(model(x), y)
        if scaler is None:
            loss.backward()
            optimizer.step()
        else:
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
        return loss

    loss = step()
    if not torch.isfinite(loss).item():
        raise SystemExit(f"torch_alexnet.py: the loss of {variant} {mode} batch {batch} is {loss.item()}")
    for _ in range(args.warmup):
        step()
    cuda = device.type == "cuda"
    if cuda:
        torch.cuda.synchronize()
    times_ms = [timed_ms(step, cuda) for _ in range(args.iterations)]
    median, mean = statistics.median(times_ms), statistics.fmean(times_ms)
    return {
        "framework": "pytorch", "torch": torch.__version__, "cuda": torch.version.cuda, "cudnn": torch.backends.cudnn.version(),
        "device": torch.cuda.get_device_name() if cuda else "cpu", "variant": variant, "batch": batch, "mode": mode, "data": data,
        "precision": args.precision, "iterations": args.iterations, "median_ms": median, "mean_ms": mean,
        "img_per_s_median": batch / median * 1e3, "img_per_s_mean": batch / mean * 1e3,
    }


def timed_ms(step, cuda: bool) -> float:
    """One step's time in ms: between CUDA events around it on a GPU, else by the wall clock."""
    if not cuda:
        began = time.perf_counter()
        step()
        return (time.perf_counter() - began) * 1e3
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    step()
    end.record()
    end.synchronize()
    return start.elapsed_time(end)


def comma_list(kind, choices=None):
    """An argparse type: comma-separated values of `kind`, each one of `choices` when given."""
    def parse(text):
        values = [kind(v) for v in text.split(",")]
        wrong = [v for v in values if choices is not None and v not in choices]
        if wrong:
            raise argparse.ArgumentTypeError(f"{wrong} not among {list(choices)}")
        return values
    return parse


def main() -> None:
    listed = comma_list
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variant", type=listed(str, ("paper", "single-tower")), default=["paper"])
    parser.add_argument("--batch", type=listed(int), required=True)
    parser.add_argument("--mode", type=listed(str, ("forward", "train")), required=True)
    parser.add_argument("--data", type=listed(str, ("device", "host")), default=["device"])
    parser.add_argument("--precision", choices=["fp32", "tf32", "bf16", "fp16"], default="fp32")
    parser.add_argument("--classes", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--iterations", type=int, default=20)
    parser.add_argument("--device", default="cuda")
    args = parser.parse_args()

    tf32 = args.precision == "tf32"
    torch.backends.cuda.matmul.allow_tf32 = tf32
    torch.backends.cudnn.allow_tf32 = tf32
    torch.backends.cudnn.benchmark = True  # choose algorithms per shape once, as cudnnFind* does in alexnet4j
    # batch sizes outer, so every variant and mode has its 128 before any 256 (a run cut short keeps the smaller)
    for batch in args.batch:
        for variant in args.variant:
            for mode in args.mode:
                for data in args.data:
                    print(json.dumps(measure(args, variant, batch, mode, data)), flush=True)
                    if torch.cuda.is_available():
                        torch.cuda.empty_cache()


if __name__ == "__main__":
    sys.exit(main())
