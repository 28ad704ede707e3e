"""Speed of ganzoo's metric paths on this machine.

    python benchmarks/metrics_speed.py [--accelerator cpu|cuda] [--quick]

Rows: images/s of the Inception feature path (TF-ported InceptionV3, 32×32 grey inputs resized to 299 with the
TF1-style bilinear, batch 50) and of the small-CNN path (28×28, batch 500); then the wall time of a 10k-vs-10k
small-CNN FID between MNIST's test set and the first 10,000 training images, feature extraction included and no
cache (the protocol of ``fid_lenet_10k_test``). Inception needs weights: ``$GANZOO_INCEPTION_WEIGHTS`` or the
offline copy in ../shared/data/fid, else torchmetrics' download. Appends JSON lines to
``benchmarks/results/metrics_speed.jsonl``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import time
from datetime import datetime, timezone
from pathlib import Path

import torch

from ganzoo.metrics.features import InceptionFeatures, SmallCNNFeatures
from ganzoo.metrics.image_metrics import FeatureSet, fid

REPO = Path(__file__).resolve().parents[1]
OFFLINE_INCEPTION = REPO.parent / "shared" / "data" / "fid" / "pt_inception-2015-12-05-nofc-fidhelper.pth"


def images_per_second(net: torch.nn.Module, images: torch.Tensor, batch: int, device: str) -> float:
    net(images[:batch].to(device))  # warm-up
    if device == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    for i in range(0, len(images), batch):
        net(images[i : i + batch].to(device))
    if device == "cuda":
        torch.cuda.synchronize()
    return len(images) / (time.perf_counter() - start)


def mnist(split: str, n: int) -> torch.Tensor:
    from ganzoo.data import MNISTData

    dm = MNISTData(image_size=28, root=os.environ.get("GANZOO_DATA_ROOT", str(REPO.parent / "shared" / "data")))
    dm.setup("fit" if split == "train" else "test")
    dataset = dm.datasets[split]
    return dataset[list(range(min(n, len(dataset))))][0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accelerator", choices=["cpu", "cuda"], default="cpu")
    parser.add_argument("--quick", action="store_true", help="fewer Inception images (CI)")
    args = parser.parse_args()
    device = args.accelerator
    rows: list[dict] = []
    n_inception = 50 if args.quick else 200
    if device == "cuda":
        n_inception *= 20

    weights = os.environ.get("GANZOO_INCEPTION_WEIGHTS") or (
        str(OFFLINE_INCEPTION) if OFFLINE_INCEPTION.is_file() else None
    )
    try:
        inception = InceptionFeatures(weights).to(device)
        grey32 = torch.rand(n_inception, 1, 32, 32) * 2 - 1
        speed = images_per_second(inception, grey32, 50, device)
        rows.append({"what": "inception features", "images": n_inception, "value": speed, "unit": "img/s"})
    except Exception as err:  # no weights offline: say so, measure the rest
        print(f"inception row skipped: {err}")

    lenet = SmallCNNFeatures("mnist").to(device)
    real, fake = mnist("test", 10_000), mnist("train", 10_000)
    speed = images_per_second(lenet, real, 500, device)
    rows.append({"what": "small-CNN features", "images": len(real), "value": speed, "unit": "img/s"})

    start = time.perf_counter()
    sets = []
    for images in (real, fake):
        feats = [lenet(images[i : i + 500].to(device))[0].float().cpu() for i in range(0, len(images), 500)]
        sets.append(FeatureSet(torch.cat(feats), None))
    value = fid(sets[0], sets[1])
    what = "fid_lenet_10k_test (MNIST train[:10k] vs test), features included"
    rows.append({"what": what, "images": 20_000, "value": time.perf_counter() - start, "unit": "s", "fid": value})

    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=REPO
    ).stdout.strip()
    name = (
        torch.cuda.get_device_name()
        if device == "cuda"
        else f"cpu ({platform.processor() or platform.machine()}, {torch.get_num_threads()} threads)"
    )
    stamp = datetime.now(timezone.utc).isoformat(timespec="seconds")
    print("\n| measurement | images | value |\n|---|---|---|")
    for row in rows:
        print(f"| {row['what']} | {row['images']:,} | {row['value']:.1f} {row['unit']} |")
    print(f"\ndevice: {name}; commit {commit or 'unknown'}; {stamp}")
    out = REPO / "benchmarks" / "results" / "metrics_speed.jsonl"
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("a") as f:
        for row in rows:
            f.write(
                json.dumps(
                    {
                        **row,
                        "device": name,
                        "torch": torch.__version__,
                        "commit": commit,
                        "date": stamp,
                        "quick": args.quick,
                    }
                )
                + "\n"
            )


if __name__ == "__main__":
    main()
