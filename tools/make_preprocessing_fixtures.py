#!/usr/bin/env python3
"""Writes the torchvision preprocessing fixtures of alexnet4j's tests to src/test/resources/preprocessing/.

For each of a few generated test images (PNG, so decoding is exact) it runs the transform that torchvision's
AlexNet weights come with, AlexNet_Weights.IMAGENET1K_V1.transforms(): Resize(256) with Pillow's bilinear
filter (antialiased, on 8-bit samples, the long side truncated), CenterCrop(224) (offsets rounded half to
even), scaling to [0, 1] and normalization with the ImageNet mean and standard deviation. It writes
  <name>.png            the input image,
  <name>.crop.png       the 8-bit 224 x 224 crop that the normalized tensor is computed from (checked here:
                        normalizing it reproduces the transform's output exactly),
  manifest.json         per image: the resized size, the crop offset, the float64 sum of the normalized
                        tensor and 64 of its values at fixed indices.
The sizes are chosen so that truncating the long side differs from rounding it, and rounding the crop
offset half to even differs from flooring it; one image is upscaled and one already has a 256 short side.

Run with Debian's PyTorch: apt-get install -y python3-torch python3-torchvision; /usr/bin/python3 tools/make_preprocessing_fixtures.py
"""
import json
import math
from pathlib import Path

import torch
import torchvision.transforms.functional as F
from PIL import Image
from torchvision.models import AlexNet_Weights

OUT = Path(__file__).resolve().parent.parent / "src" / "test" / "resources" / "preprocessing"
SEED = 2012
SAMPLES = 64

# name -> (width, height)
IMAGES = {
    "landscape": (640, 427),  # long side 383.7: truncated 383, rounded 384
    "portrait": (300, 402),   # long side 343.04 -> 343, crop offset (343 - 224) / 2 = 59.5: rounded to 60, floored to 59
    "small": (150, 113),      # upscaled, short side 113 -> 256
    "square": (256, 256),     # no resampling
    "wide": (1000, 297),      # long side 861.9 -> 861
}


def image(width, height, generator):
    """Stripes of several frequencies across, bands down, and hard-edged discs: every filter tap matters, PNG stays small."""
    y = torch.arange(height, dtype=torch.float64).reshape(-1, 1) / height
    x = torch.arange(width, dtype=torch.float64).reshape(1, -1) / width
    channels = []
    for c in range(3):
        phase, frequency = torch.rand(2, generator=generator, dtype=torch.float64)
        stripes = 0.5 + 0.3 * torch.sin(2 * math.pi * x * (3 + 40 * frequency) + 6 * phase)
        bands = torch.floor(y * (4 + 2 * c)) / (4 + 2 * c)
        channels.append(stripes * (0.6 + 0.4 * bands))
    rgb = torch.stack(channels)
    for _ in range(6):
        cx, cy, r = torch.rand(3, generator=generator, dtype=torch.float64)
        colour = torch.rand(3, 1, 1, generator=generator, dtype=torch.float64)
        inside = ((x - cx) ** 2 + ((y - cy) * height / width) ** 2) < (0.05 + 0.2 * r) ** 2
        rgb = torch.where(inside, colour, rgb)
    pixels = (rgb.clamp(0, 1) * 255).round().to(torch.uint8)
    return Image.fromarray(pixels.permute(1, 2, 0).contiguous().numpy(), "RGB")


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    transform = AlexNet_Weights.IMAGENET1K_V1.transforms()
    generator = torch.Generator().manual_seed(SEED)
    manifest = {"generator": "tools/make_preprocessing_fixtures.py", "transform": repr(transform).replace("\n", ""), "images": {}}
    for name, (width, height) in IMAGES.items():
        img = image(width, height, generator)
        img.save(OUT / (name + ".png"), optimize=True)
        img = Image.open(OUT / (name + ".png"))
        expected = transform(img)
        resized = F.resize(img, [256], interpolation=F.InterpolationMode.BILINEAR)
        crop = F.center_crop(resized, [224])
        crop.save(OUT / (name + ".crop.png"), optimize=True)
        again = F.normalize(F.convert_image_dtype(F.pil_to_tensor(crop), torch.float), transform.mean, transform.std)
        assert torch.equal(again, expected), name + ": the 8-bit crop does not reproduce the transform"
        flat = expected.reshape(-1)
        indices = [(i * 7919 + 13) % flat.numel() for i in range(SAMPLES)]
        rw, rh = resized.size
        manifest["images"][name] = {
            "size": [height, width], "resized": [rh, rw],
            "crop_offset": [int(round((rh - 224) / 2.0)), int(round((rw - 224) / 2.0))],
            "sum": flat.double().sum().item(), "indices": indices, "values": [flat[i].item() for i in indices],
        }
        print("%-10s %4dx%-4d -> %4dx%-4d crop at %s" % (name, height, width, rh, rw, manifest["images"][name]["crop_offset"]))
    with open(OUT / "manifest.json", "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
