"""``ganzoo fid A B``: the FID between two image sets, each a folder of images or an .npz (``images``: N×H×W×C
uint8, as ``ganzoo sample --format npz`` writes), with the protocol of ``ganzoo evaluate`` (TF-ported InceptionV3,
TF1-style bilinear resize to 299) and cached features, so samples of any model can be scored like ganzoo's own."""

from __future__ import annotations

import argparse
import hashlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import torch

from ganzoo.console import plain
from ganzoo.errors import UserError
from ganzoo.parse_errors import CommandParser


def parser() -> argparse.ArgumentParser:
    from ganzoo.commands.evaluate import FLAG_STYLE

    p = CommandParser(prog="ganzoo fid", description=plain(__doc__), epilog=FLAG_STYLE)
    p.add_argument("a", help="a folder of images or an .npz (uint8 `images`, N×H×W×C)")
    p.add_argument("b", help="the other set, likewise")
    p.add_argument("--feature", choices=["inception", "lenet"], default="inception")
    p.add_argument("--classifier", choices=["mnist", "fashion_mnist", "usps"], default="mnist",
                   help="the shipped small CNN whose features --feature lenet uses (default mnist)")  # fmt: skip
    p.add_argument("--n", type=int, default=None, help="use the first N images of each set (default: all)")
    p.add_argument("--inception-weights", "--inception_weights", default=None,
                   help="local Inception weights ($GANZOO_INCEPTION_WEIGHTS)")  # fmt: skip
    p.add_argument("--batch-size", "--batch_size", type=int, default=250)
    p.add_argument("--out", default=None, help="also append the result as a JSON line to this file")
    return p


def load_images(path: Path, n: int | None) -> tuple[torch.Tensor, str]:
    """uint8 NCHW images of a folder (all of one size) or an .npz, and a key that changes when the files do."""
    if path.suffix == ".npz" and path.is_file():
        with np.load(path) as f:
            if "images" not in f:
                raise UserError(f"{path} has no `images` array; give an .npz with uint8 images N×H×W×C")
            array = f["images"][:n]
            if array.ndim == 3:  # grey N×H×W
                array = array[..., None]
            if array.ndim != 4 or array.dtype != np.uint8:
                raise UserError(f"{path}'s `images` is {array.dtype} of shape {array.shape}; give uint8 N×H×W×C")
            images = torch.from_numpy(array).permute(0, 3, 1, 2)
        stat = path.stat()
        return images.contiguous(), f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{len(images)}"
    if not path.is_dir():
        raise UserError(f"{path} is neither a folder of images nor an .npz; give one of those")
    from PIL import Image

    from ganzoo.data.image_folder import list_images

    files = list_images(path)[:n]
    arrays = []
    for file in files:
        with Image.open(file) as image:
            arrays.append(np.asarray(image.convert("L" if image.mode in ("L", "1") else "RGB")))
    shapes = sorted({a.shape for a in arrays})
    if len(shapes) > 1:
        raise UserError(f"the images under {path} come in {len(shapes)} shapes ({shapes[0]}, {shapes[1]}, …); resize "
                        "them to one size first")  # fmt: skip
    stacked = torch.from_numpy(np.stack(arrays))
    images = stacked.unsqueeze(1) if stacked.ndim == 3 else stacked.permute(0, 3, 1, 2)
    latest = max(p.stat().st_mtime_ns for p in files)
    return images.contiguous(), f"{path.resolve()}|{len(files)}|{latest}"


def batches(images: torch.Tensor, size: int) -> Iterator[torch.Tensor]:
    for i in range(0, len(images), size):
        yield images[i : i + size].float().div(127.5).sub(1)


def main(argv: list[str]) -> dict:
    args = parser().parse_args(argv)
    if args.n is not None and args.n < 2:
        raise UserError(f"--n must be ≥ 2 (a covariance needs two images), got {args.n}")
    if args.batch_size < 1:
        raise UserError(f"--batch-size must be ≥ 1, got {args.batch_size}")
    from ganzoo.metrics.evaluate import append_jsonl, check_appendable
    from ganzoo.metrics.features import InceptionFeatures, SmallCNNFeatures
    from ganzoo.metrics.image_metrics import fid
    from ganzoo.metrics.protocol import count_tag
    from ganzoo.metrics.samples import FeatureSet, cache_dir, extract, load_cached, save_cached

    if args.out:
        check_appendable(Path(args.out), "--out")
    sets = [load_images(Path(p), args.n) for p in (args.a, args.b)]
    if args.feature == "inception":
        net = InceptionFeatures(args.inception_weights)
    else:
        net = SmallCNNFeatures(args.classifier)
    features = []
    for (images, source), name in zip(sets, (args.a, args.b), strict=True):
        key = hashlib.sha1(f"{source}|{net.name}|{net.weights}|{net.resize}".encode()).hexdigest()[:20]
        cached = cache_dir() / f"files-{key}.pt"
        stored = load_cached(cached)
        if stored is not None:
            features.append(FeatureSet(stored["features"], None))
            continue
        result = extract(net, batches(images, args.batch_size), len(images), name, progress=True)
        save_cached(cached, {"features": result.features})
        features.append(result)
    tag = "" if net.name == "inception" else f"{net.name}_"
    record = {
        "metric": f"fid_{tag}{count_tag(len(features[0].features))}_{count_tag(len(features[1].features))}",
        "value": fid(features[0], features[1]), "a": args.a, "b": args.b, "n_a": len(features[0].features),
        "n_b": len(features[1].features), "feature": net.name, "weights": net.weights, "resize": net.resize,
        "engine": net.engine,
    }  # fmt: skip
    print(f"{record['metric']}  {record['value']:.4f}")
    if args.out:
        append_jsonl(Path(args.out), [record])
    return record
