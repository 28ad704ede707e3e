"""Speed of ganzoo's metric paths on this machine.

    python benchmarks/metrics_speed.py [--accelerator cpu|cuda] [--quick]

Rows: images/s of the Inception feature path (TF-ported InceptionV3, 32×32 grey inputs resized to 299 with the TF1-style
bilinear, batch 50) on every engine available here (torch eager NCHW, torch channels_last, OpenVINO fp32 where
installed), timed side by side in interleaved rounds (best round's img/s), each with its features' largest difference
from the eager NCHW path (relative to the largest feature), its GFLOP/s from the FLOPs of InceptionV3 at 299×299
(counted once with ``FlopCounterMode``) and the fraction of this machine's fp32 matmul peak (the larger of
``throughput.gemm_rates``' 2048³ ``torch.mm`` and the same GEMM through oneDNN, measured in the same run); then the
projected time of a 10k-fake Inception FID with the real features cached (10,000 images at the default engine's rate
plus the measured Fréchet distance of two 10k×2048 feature sets; the generator's time not included). Then the small-CNN
path (28×28, at the evaluation's default feature batch) and the wall time of a 10k-vs-10k small-CNN FID between MNIST's
test set and the first 10,000 training images, feature extraction included and no cache (the protocol of
``fid_lenet_10k_test``). Then the feature batch: img/s and peak resident memory of the default Inception engine at
batches of 50, 100, 250 and 500 (1,000 images each; ``--quick``: 50 and 100, 100 images), each in a fresh process so
that the peak is that batch's own: what the evaluation's default batch (``EvaluationOptions.batch_size``) is chosen by.
Inception needs weights: ``$GANZOO_INCEPTION_WEIGHTS`` or the offline copy in ../shared/data/fid, else torchmetrics'
download. Appends JSON lines to ``benchmarks/results/metrics_speed.jsonl`` (``--quick``: ``results/ci/``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import torch
from throughput import gemm_rates

from ganzoo.metrics.features import (
    INCEPTION_ENGINE_ENV,
    InceptionFeatures,
    SmallCNNFeatures,
    inception_trunk,
    openvino_available,
)
from ganzoo.metrics.image_metrics import FeatureSet, fid
from ganzoo.metrics.protocol import EvaluationOptions

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


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def inception_gflop_per_image(net: InceptionFeatures) -> float:
    """FLOPs (2 per multiply-add, convolutions and matmuls) of InceptionV3 from 299×299 to pool3, counted once."""
    from torch.utils.flop_counter import FlopCounterMode

    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        inception_trunk(net.net.cpu())(torch.zeros(1, 3, 299, 299))
    return counter.get_total_flops() / 1e9


def inception_engines(weights: str | None, n: int, rounds: int, device: str) -> tuple[list[dict], dict]:
    """img/s (best round) and features of every Inception engine, timed in interleaved rounds on the same images,
    and the fp32 matmul peak (best over the rounds)."""
    engines = ["torch", "torch-channels_last"] + (["openvino-f32"] if openvino_available() and device == "cpu" else [])
    default = InceptionFeatures(weights).to(device).engine
    images = torch.rand(n, 1, 32, 32, generator=torch.Generator().manual_seed(0)) * 2 - 1
    nets = {e: InceptionFeatures(weights, engine=e).to(device) for e in engines}
    setup, rates, features, peaks = {}, {e: [] for e in engines}, {}, []
    for e, net in nets.items():
        setup[e] = _timed(lambda net=net: net(images[:50].to(device)))  # warm-up: OpenVINO converts and compiles
    for _ in range(rounds):  # the CPU may be shared: every round measures every engine and the matmul peak
        for e, net in nets.items():
            rates[e].append(images_per_second(net, images, 50, device))
        if device == "cpu":
            peaks.append(gemm_rates(torch.float32, repeats=5))
    for e, net in nets.items():
        features[e] = torch.cat([net(images[i : i + 50].to(device))[0].cpu() for i in range(0, 100, 50)])
    gflop = inception_gflop_per_image(nets["torch"])
    reference = features["torch"]
    rows = []
    # Best round: load from other processes only ever slows a round down.
    for e in engines:
        rate = max(rates[e])
        rows.append(
            {
                "what": f"inception features [{e}]",
                "images": n,
                "value": rate,
                "unit": "img/s",
                "engine": e,
                "default": e == default,
                "rounds": rates[e],
                "vs_torch": rate / max(rates["torch"]),
                "rel_err_vs_torch": ((features[e] - reference).abs().max() / reference.abs().max()).item(),
                "gflop_per_image": gflop,
                "gflop_per_s": rate * gflop,
                "setup_s": setup[e],
            }
        )
    peak = {lib: max(p[lib] for p in peaks) for lib in peaks[0]} if peaks else {}
    return rows, {"gflop_per_image": gflop, "default": default, "peaks": peak}


BATCH_PROBE = """
import json, sys, time, torch
sys.path.insert(0, {benchmarks!r})
from peak_memory import peak_rss_mib
from ganzoo.metrics.features import InceptionFeatures
weights, batch, n = {weights!r}, {batch}, {n}
net = InceptionFeatures(weights)
images = torch.rand(n, 1, 28, 28, generator=torch.Generator().manual_seed(0)) * 2 - 1
with torch.no_grad():
    net(images[:batch])  # warm-up: OpenVINO compiles for this batch
    start = time.perf_counter()
    for i in range(0, n, batch):
        net(images[i : i + batch])
    seconds = time.perf_counter() - start
print(json.dumps({{"engine": net.engine, "img_per_s": n / seconds, "peak_rss_mib": peak_rss_mib()}}))
"""


def feature_batch_rows(weights: str | None, batches: list[int], n: int) -> list[dict]:
    """img/s and peak RSS of the default Inception engine per feature batch, each batch in a fresh process."""
    rows = []
    for batch in batches:
        probe = BATCH_PROBE.format(benchmarks=str(REPO / "benchmarks"), weights=weights, batch=batch, n=n)
        out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
        result = json.loads(out.stdout.strip().splitlines()[-1])
        rows.append({"what": f"inception features [{result['engine']}], feature batch {batch}", "images": n,
                     "value": result["img_per_s"], "unit": "img/s", "engine": result["engine"], "batch": batch,
                     "peak_rss_mib": result["peak_rss_mib"],
                     "default_batch": batch == EvaluationOptions.batch_size})  # fmt: skip
    return rows


def mnist(split: str, n: int) -> torch.Tensor:
    from ganzoo.data import MNISTData

    dm = MNISTData(image_size=28, root=os.environ.get("GANZOO_DATA_ROOT", str(REPO.parent / "shared" / "data")))
    dm.setup("fit" if split == "train" else "test")
    dataset = dm.datasets[split]
    return dataset[list(range(min(n, len(dataset))))][0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accelerator", choices=["cpu", "cuda"], default="cpu")
    parser.add_argument("--quick", action="store_true", help="fewer Inception images and rounds (CI)")
    args = parser.parse_args()
    device = args.accelerator
    rows: list[dict] = []
    n_inception, rounds = (100, 1) if args.quick else (200, 3)
    if device == "cuda":
        n_inception *= 20
    os.environ.pop(INCEPTION_ENGINE_ENV, None)  # the default engine is the one measured as the default

    weights = os.environ.get("GANZOO_INCEPTION_WEIGHTS") or (
        str(OFFLINE_INCEPTION) if OFFLINE_INCEPTION.is_file() else None
    )
    try:
        engine_rows, info = inception_engines(weights, n_inception, rounds, device)
        rows += engine_rows
    except Exception as err:  # no weights offline: say so, measure the rest
        print(f"inception rows skipped: {err}")
        engine_rows = []
    if engine_rows:
        if peaks := info["peaks"]:
            for lib, value in peaks.items():
                rows.append({"what": f"fp32 matmul peak, {lib}, best of 5 per round", "images": 0,
                             "value": value, "unit": "GFLOP/s", "peak": value == max(peaks.values())})  # fmt: skip
            peak = max(peaks.values())
            for row in engine_rows:
                row["peak_fraction"] = row["gflop_per_s"] / peak
        n_fid = 1_000 if args.quick else 10_000
        g = torch.Generator().manual_seed(0)
        a, b = torch.randn(n_fid, 2048, generator=g), torch.randn(n_fid, 2048, generator=g)
        fid_seconds = _timed(lambda: fid(FeatureSet(a, None), FeatureSet(b, None)))
        best = next(r for r in engine_rows if r["default"])
        rows.append(
            {
                "what": f"projected fid_10k (Inception [{best['engine']}], real features cached, generator excluded)",
                "images": 10_000,
                "value": 10_000 / best["value"] + fid_seconds,
                "unit": "s",
                "engine": best["engine"],
                "fid_compute_s": fid_seconds,
                "fid_compute_n": n_fid,
            }
        )

    lenet = SmallCNNFeatures("mnist").to(device)
    real, fake = mnist("test", 10_000), mnist("train", 10_000)
    batch = EvaluationOptions.batch_size
    speed = images_per_second(lenet, real, batch, device)
    rows.append({"what": f"small-CNN features, batch {batch}", "images": len(real), "value": speed, "unit": "img/s"})

    start = time.perf_counter()
    sets = []
    for images in (real, fake):
        feats = [lenet(images[i : i + batch].to(device))[0].float().cpu() for i in range(0, len(images), batch)]
        sets.append(FeatureSet(torch.cat(feats), None))
    value = fid(sets[0], sets[1])
    what = "fid_lenet_10k_test (MNIST train[:10k] vs test), features included"
    rows.append({"what": what, "images": 20_000, "value": time.perf_counter() - start, "unit": "s", "fid": value})
    if engine_rows and device == "cpu":
        batches, n = ([50, 100], 100) if args.quick else ([50, 100, 250, 500], 1_000)
        rows += feature_batch_rows(weights, batches, n)

    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=REPO
    ).stdout.strip()
    name = (
        torch.cuda.get_device_name()
        if device == "cuda"
        else f"cpu ({platform.processor() or platform.machine()}, {torch.get_num_threads()} threads)"
    )
    stamp = datetime.now(timezone.utc).isoformat(timespec="seconds")
    print("\n| measurement | images | value | × torch eager | rel. error vs eager | GFLOP/s | of fp32 peak |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        if "peak_rss_mib" in row:  # the feature-batch rows: a table of their own below
            continue
        extra = ["—"] * 4
        if "engine" in row and "gflop_per_s" in row:
            extra = [f"{row['vs_torch']:.2f}", f"{row['rel_err_vs_torch']:.1e}", f"{row['gflop_per_s']:.1f}",
                     f"{100 * row['peak_fraction']:.1f} %" if "peak_fraction" in row else "—"]  # fmt: skip
        print(f"| {row['what']} | {row['images']:,} | {row['value']:.1f} {row['unit']} | {' | '.join(extra)} |")
    if batch_rows := [row for row in rows if "peak_rss_mib" in row]:
        print("\n| feature batch | img/s | peak RSS |\n|---|---|---|")
        for row in batch_rows:
            default = " (default)" if row["default_batch"] else ""
            print(f"| {row['batch']}{default} | {row['value']:.1f} | {row['peak_rss_mib'] / 1024:.1f} GiB |")
    if engine_rows:
        print(f"\nInceptionV3 at 299×299: {info['gflop_per_image']:.2f} GFLOP/image (counted); default engine "
              f"{info['default']}")  # fmt: skip
    print(f"\ndevice: {name}; commit {commit or 'unknown'}; {stamp}")
    out = REPO / "benchmarks" / "results" / ("ci" if args.quick else "") / "metrics_speed.jsonl"
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
