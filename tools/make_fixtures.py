#!/usr/bin/env python3
"""Writes the PyTorch golden fixtures of alexnet4j's tests to src/test/resources/fixtures/.

Every fixture is a safetensors file (written here by hand with struct + json, F32 only) holding the
inputs, parameters, outputs and gradients of one op or of a small AlexNet-shaped network; op settings
are in the header's __metadata__ as strings. Inputs and parameters are drawn in float32 from a seeded
generator; everything derived from them is computed in float64 (autograd for gradients) and rounded
to float32 once, on writing, so the references are accurate to half an ulp.

Run with Debian's PyTorch: apt-get install -y python3-torch; /usr/bin/python3 tools/make_fixtures.py
"""
import json
import struct
from pathlib import Path

import torch
import torch.nn.functional as F

OUT = Path(__file__).resolve().parent.parent / "src" / "test" / "resources" / "fixtures"
SEED = 2012

# The paper's SGD: v = momentum*v - weight_decay*lr*w - lr*g; w = w + v.
LR, MOMENTUM, WEIGHT_DECAY = 0.01, 0.9, 5e-4


def save(name, tensors, metadata):
    """Writes tensors (name -> tensor, in this order) as F32 and metadata (name -> value, stringified)."""
    header, blobs, offset = {}, [], 0
    meta = {"generator": "tools/make_fixtures.py", "seed": str(SEED)}
    meta.update({k: str(v) for k, v in metadata.items()})
    header["__metadata__"] = meta
    for key, t in tensors.items():
        data = t.detach().to(torch.float32).contiguous().reshape(-1).tolist()
        blob = struct.pack("<%df" % len(data), *data)
        header[key] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    path = OUT / (name + ".safetensors")
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)
    print("%-32s %7d bytes" % (path.name, path.stat().st_size))


class Draw:
    """Seeded float32 samples, returned as float64 tensors holding exactly the float32 values."""

    def __init__(self, seed):
        self.generator = torch.Generator().manual_seed(seed)

    def normal(self, *shape, std=1.0, mean=0.0):
        return float32(torch.randn(*shape, generator=self.generator, dtype=torch.float64) * std + mean)

    def uniform(self, *shape, low=0.0, high=1.0):
        return float32(torch.rand(*shape, generator=self.generator, dtype=torch.float64) * (high - low) + low)

    def integers(self, high, n):
        return torch.randint(0, high, (n,), generator=self.generator)


def float32(t):
    """t rounded to float32, held in float64: an input both sides see exactly."""
    return t.to(torch.float32).double()


def gradients(output, upstream, *inputs):
    """d(sum(output * upstream)) / d(input) for each input, in float64."""
    return torch.autograd.grad(output, inputs, upstream)


def leaf(t):
    """A copy of t that autograd differentiates with respect to."""
    return t.clone().requires_grad_(True)


def conv_case(draw, name, n, c, h, w, k, r, s, stride, padding, groups):
    x, weight = leaf(draw.normal(n, c, h, w)), leaf(draw.normal(k, c // groups, r, s, std=(c // groups * r * s) ** -0.5))
    bias = leaf(draw.normal(k, std=0.5))
    y = F.conv2d(x, weight, bias, stride=stride, padding=padding, groups=groups)
    dy = draw.normal(*y.shape)
    dx, dw, db = gradients(y, dy, x, weight, bias)
    save(name, {"x": x, "w": weight, "bias": bias, "y": y, "dy": dy, "dx": dx, "dw": dw, "db": db},
         {"op": "conv2d", "stride": stride, "padding": padding, "groups": groups})


def lrn_scale(x, size, alpha, k):
    """k + alpha/size * (sum of x^2 over the size channels centred on each channel, zero outside)."""
    squares = F.pad(x * x, (0, 0, 0, 0, size // 2, size // 2))
    window = sum(squares[:, j:j + x.shape[1]] for j in range(size))
    return k + alpha / size * window


def lrn_case(draw, name, n, size, alpha, beta, k, std):
    x = leaf(draw.normal(n, 7, 5, 6, std=std))
    y = F.local_response_norm(x, size, alpha=alpha, beta=beta, k=k)
    scale = lrn_scale(x.detach(), size, alpha, k)
    # The stored scale must be the one that makes PyTorch's y: this pins down the alpha/n convention.
    assert torch.allclose(y.detach(), x.detach() / scale ** beta, rtol=1e-12, atol=0)
    # And alpha must matter: y differs from x / k^beta by far more than float32 noise.
    assert (y.detach() - x.detach() / k ** beta).abs().max() > 1e-2 * y.detach().abs().max()
    dy = draw.normal(*y.shape)
    (dx,) = gradients(y, dy, x)
    save(name, {"x": x, "y": y, "scale": scale, "dy": dy, "dx": dx},
         {"op": "lrn", "size": size, "alpha": alpha, "beta": beta, "k": k})


def max_pool_case(draw, name, n, c, h, w, window, stride):
    x = leaf(draw.normal(n, c, h, w))
    assert torch.unique(x.detach()).numel() == x.numel(), "max pool input must have no ties"
    y = F.max_pool2d(x, window, stride)
    dy = draw.normal(*y.shape)
    (dx,) = gradients(y, dy, x)
    save(name, {"x": x, "y": y, "dy": dy, "dx": dx}, {"op": "max_pool", "window": window, "stride": stride})


def adaptive_avg_pool_case(draw, name, n, c, h, w, p, q):
    x = leaf(draw.normal(n, c, h, w))
    y = F.adaptive_avg_pool2d(x, (p, q))
    dy = draw.normal(*y.shape)
    (dx,) = gradients(y, dy, x)
    save(name, {"x": x, "y": y, "dy": dy, "dx": dx}, {"op": "adaptive_avg_pool"})


def batch_norm_case(draw, name, n, c, h, w, epsilon=1e-5, momentum=0.1):
    x = leaf(draw.normal(n, c, h, w, std=2.0, mean=0.5))
    gamma, beta = leaf(draw.normal(c, std=0.5, mean=1.0)), leaf(draw.normal(c, std=0.5))
    running_mean, running_var = draw.normal(c, std=0.3), draw.uniform(c, low=0.5, high=2.0)
    mean_after, var_after = running_mean.clone(), running_var.clone()
    y = F.batch_norm(x, mean_after, var_after, gamma, beta, training=True, momentum=momentum, eps=epsilon)
    saved_mean = x.detach().mean(dim=(0, 2, 3))
    saved_inv_std = (x.detach().var(dim=(0, 2, 3), unbiased=False) + epsilon) ** -0.5
    dy = draw.normal(*y.shape)
    dx, dgamma, dbeta = gradients(y, dy, x, gamma, beta)
    # Inference normalizes with the updated running statistics.
    y_inference = F.batch_norm(x.detach(), mean_after, var_after, gamma.detach(), beta.detach(), training=False, eps=epsilon)
    save(name, {"x": x, "gamma": gamma, "beta": beta, "running_mean": running_mean, "running_var": running_var,
                "y": y, "saved_mean": saved_mean, "saved_inv_std": saved_inv_std,
                "running_mean_after": mean_after, "running_var_after": var_after,
                "dy": dy, "dx": dx, "dgamma": dgamma, "dbeta": dbeta, "y_inference": y_inference},
         {"op": "batch_norm", "epsilon": epsilon, "momentum": momentum})


def linear_case(draw, name, n, features_in, features_out):
    x = leaf(draw.normal(n, features_in))
    weight = leaf(draw.normal(features_out, features_in, std=features_in ** -0.5))
    bias = leaf(draw.normal(features_out, std=0.5))
    y = F.linear(x, weight, bias)
    dy = draw.normal(*y.shape)
    dx, dw, db = gradients(y, dy, x, weight, bias)
    save(name, {"x": x, "w": weight, "bias": bias, "y": y, "dy": dy, "dx": dx, "dw": dw, "db": db}, {"op": "linear"})


def cross_entropy_case(draw, name, n, classes, std, shift):
    """shift is added to every logit: softmax must not change, and exp must not overflow."""
    logits = leaf(float32(draw.normal(n, classes, std=std) + shift))
    labels = draw.integers(classes, n)
    loss = F.cross_entropy(logits, labels)
    probs = torch.softmax(logits.detach(), dim=1)
    (dlogits,) = torch.autograd.grad(loss, logits)
    save(name, {"logits": logits, "labels": labels.double(), "probs": probs, "loss": loss.reshape(1), "dlogits": dlogits},
         {"op": "softmax_cross_entropy", "labels": "class indices stored as exact F32 values"})


def sgd_step(weights, velocity, grads, lr=LR):
    velocity = MOMENTUM * velocity - WEIGHT_DECAY * lr * weights - lr * grads
    return weights + velocity, velocity


def sgd_case(draw, name, size, lr):
    w, v, g1, g2 = draw.normal(size), draw.normal(size, std=0.01), draw.normal(size), draw.normal(size)
    w1, v1 = sgd_step(w, v, g1, lr)
    w2, v2 = sgd_step(w1, v1, g2, lr)
    save(name, {"w": w, "v": v, "grad1": g1, "grad2": g2, "w1": w1, "v1": v1, "w2": w2, "v2": v2},
         {"op": "sgd", "learning_rate": lr, "momentum": MOMENTUM, "weight_decay": WEIGHT_DECAY})


# ---- a width-reduced AlexNet, `paper` variant ------------------------------------------------------

# The `paper` variant at width multiplier 1/32, as AlexNet.Config builds it: conv channels 96, 256, 384,
# 384, 256 scaled and rounded to multiples of the groups (2), FC width 4096/32.
WIDTH_MULTIPLIER = "1/32"
CONV = [  # name, out channels, kernel, stride, padding, groups
    ("conv1", 4, 11, 4, 0, 1),
    ("conv2", 8, 5, 1, 2, 2),
    ("conv3", 12, 3, 1, 1, 1),
    ("conv4", 12, 3, 1, 1, 2),
    ("conv5", 8, 3, 1, 1, 2),
]
FC_WIDTH, CLASSES, INPUT, BATCH = 128, 5, 67, 3
LRN = dict(size=5, alpha=5e-4, beta=0.75, k=2.0)  # the paper's alpha 1e-4 in the alpha/n convention


def network_parameters(draw):
    """He-scaled weights (x10 for conv1, so LRN's alpha term matters; /20 for fc8, so the logits are
    O(1) and softmax does not saturate) and small random biases."""
    params, channels = {}, 3
    for name, out, kernel, _, _, groups in CONV:
        fan_in = channels // groups * kernel * kernel
        gain = 10.0 if name == "conv1" else 1.0
        params[name + ".weight"] = draw.normal(out, channels // groups, kernel, kernel, std=gain * (2.0 / fan_in) ** 0.5)
        params[name + ".bias"] = draw.normal(out, std=0.1)
        channels = out
    features = channels * 6 * 6
    for name, out in (("fc6", FC_WIDTH), ("fc7", FC_WIDTH), ("fc8", CLASSES)):
        gain = 0.05 if name == "fc8" else 1.0
        params[name + ".weight"] = draw.normal(out, features, std=gain * (2.0 / features) ** 0.5)
        params[name + ".bias"] = draw.normal(out, std=0.1)
        features = out
    return params


def network_forward(params, x):
    """The layers in order, as (name, output); the last is fc8 (logits). Dropout acts on the outputs of
    fc6 and fc7 after their ReLU, as Caffe's drop6/drop7; here p = 0, the identity."""
    acts = []

    def add(name, t):
        acts.append((name, t))
        return t

    h = x
    for index, (name, _, _, stride, padding, groups) in enumerate(CONV, start=1):
        h = add(name, F.conv2d(h, params[name + ".weight"], params[name + ".bias"], stride=stride, padding=padding, groups=groups))
        h = add("relu%d" % index, F.relu(h))
        if index in (1, 2):
            h = add("lrn%d" % index, F.local_response_norm(h, **LRN))
        if index in (1, 2, 5):
            h = add("pool%d" % index, F.max_pool2d(h, 3, 2))
    h = add("avgpool", F.adaptive_avg_pool2d(h, (6, 6)))
    h = add("flatten", torch.flatten(h, 1))
    for index in (6, 7):
        name = "fc%d" % index
        h = add(name, F.linear(h, params[name + ".weight"], params[name + ".bias"]))
        h = add("relu%d" % index, F.relu(h))
        h = add("drop%d" % index, h)
    add("fc8", F.linear(h, params["fc8.weight"], params["fc8.bias"]))
    return acts


def network_case(draw, name):
    params = network_parameters(draw)
    x = draw.normal(BATCH, 3, INPUT, INPUT)
    labels = draw.integers(CLASSES, BATCH)
    tensors = {"input": x, "labels": labels.double()}
    tensors.update({"param/" + k: v for k, v in params.items()})

    velocity = {k: torch.zeros_like(v) for k, v in params.items()}
    weights = dict(params)
    for step in (1, 2):
        leaves = {k: leaf(v) for k, v in weights.items()}
        acts = network_forward(leaves, x)
        loss = F.cross_entropy(acts[-1][1], labels)
        grads = dict(zip(leaves, torch.autograd.grad(loss, list(leaves.values()))))
        if step == 1:
            tensors.update({"activation/" + n: t for n, t in acts})
            tensors["loss"] = loss.reshape(1)
            tensors.update({"grad/" + k: g for k, g in grads.items()})
        else:
            tensors["loss_step2"] = loss.reshape(1)
        for k in weights:
            weights[k], velocity[k] = sgd_step(weights[k], velocity[k], grads[k])
    tensors.update({"step2/" + k: w for k, w in weights.items()})
    save(name, tensors, {"variant": "paper", "width_multiplier": WIDTH_MULTIPLIER, "conv_channels": ",".join(str(c[1]) for c in CONV), "fc_width": FC_WIDTH,
                         "classes": CLASSES, "input": INPUT, "batch": BATCH, "dropout": 0.0,
                         "lrn": "size 5, alpha 5e-4, beta 0.75, k 2 (alpha/n convention)",
                         "learning_rate": LR, "momentum": MOMENTUM, "weight_decay": WEIGHT_DECAY,
                         "steps": "two training steps on the same batch, velocity starting at zero"})


def main():
    torch.set_default_dtype(torch.float64)
    torch.set_num_threads(1)  # one summation order, so reruns reproduce the files byte for byte
    OUT.mkdir(parents=True, exist_ok=True)
    draw = Draw(SEED)
    # conv1-like: 5x5 stride 4, no padding, odd input whose width leaves a remainder (19 - 5 = 14 = 3*4 + 2)
    conv_case(draw, "conv2d_strided_n3", 3, 3, 23, 19, 4, 5, 5, stride=4, padding=0, groups=1)
    conv_case(draw, "conv2d_strided_n1", 1, 3, 23, 19, 5, 5, 5, stride=4, padding=0, groups=1)
    # conv2-like: two towers as groups=2 with padding
    conv_case(draw, "conv2d_grouped_n3", 3, 6, 9, 11, 4, 5, 5, stride=1, padding=2, groups=2)
    conv_case(draw, "conv2d_grouped_n1", 1, 4, 7, 5, 6, 3, 3, stride=1, padding=1, groups=2)
    conv_case(draw, "conv2d_grouped_strided_n3", 3, 6, 10, 9, 9, 3, 3, stride=2, padding=1, groups=3)
    lrn_case(draw, "lrn_pytorch_n3", 3, 5, alpha=5e-4, beta=0.75, k=2.0, std=20.0)
    lrn_case(draw, "lrn_caffe_n1", 1, 5, alpha=1e-4, beta=0.75, k=1.0, std=20.0)
    max_pool_case(draw, "max_pool_3s2_n3", 3, 5, 9, 11, 3, 2)
    max_pool_case(draw, "max_pool_3s2_n1", 1, 3, 8, 7, 3, 2)
    adaptive_avg_pool_case(draw, "adaptive_avg_pool_5x7_to_3x2_n3", 3, 4, 5, 7, 3, 2)
    adaptive_avg_pool_case(draw, "adaptive_avg_pool_1x1_to_6x6_n1", 1, 5, 1, 1, 6, 6)
    adaptive_avg_pool_case(draw, "adaptive_avg_pool_4x9_to_6x6_n3", 3, 2, 4, 9, 6, 6)
    batch_norm_case(draw, "batch_norm_n3", 3, 5, 4, 3)
    batch_norm_case(draw, "batch_norm_n1", 1, 3, 5, 7)
    linear_case(draw, "linear_n3", 3, 13, 7)
    linear_case(draw, "linear_n1", 1, 9, 17)
    cross_entropy_case(draw, "softmax_cross_entropy_n3", 3, 5, std=3.0, shift=0.0)
    cross_entropy_case(draw, "softmax_cross_entropy_shifted_n3", 3, 7, std=3.0, shift=1000.0)
    sgd_case(draw, "sgd_paper_lr_0_01", 37, lr=0.01)
    sgd_case(draw, "sgd_paper_lr_0_1", 19, lr=0.1)
    network_case(draw, "alexnet_paper_small")
    total = sum(p.stat().st_size for p in OUT.glob("*.safetensors"))
    print("total %d bytes" % total)


if __name__ == "__main__":
    main()
