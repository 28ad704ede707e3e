"""CPU fast paths, how training cost grows, and metric time and memory against the number of samples.

Protocol
--------
Every training measurement is a ``ganzoo fit`` run (``run_cli``) on :class:`throughput.SyntheticImages` (random
uint8 images in memory), no metrics, timed by :class:`throughput.BatchTimer` over ``--steps`` batches after
``--warmup`` (start-up, sanity check and checkpoints excluded). FLOPs are counted, not estimated:
``torch.utils.flop_counter`` over one discriminator and one generator step of the very module ganzoo built
(matmuls and convolutions, forward and backward). GFLOP/s = images/s × FLOPs per image; "of peak" divides by this CPU's
GEMM peak **measured in the same run** (``throughput.gemm_peak``: the faster of a 2048³ matmul and the same GEMM as a
1×1 convolution, best of 10), the fp32 peak for fp32 runs and the bf16 peak for bf16-mixed runs.

Sections (``--sections``; all by default):

* ``paths``: dcgan, stylegan_lite and the MLP GAN, 1×32×32, batch 64: fp32 in the NCHW layout, fp32 channels-last
  (ganzoo's default for conv nets), bf16-mixed channels-last, the default with one torch thread, and the default with
  torch's fused Adam instead of its default per-tensor Adam; plus the plain loop of ``throughput.py`` under
  ``torch.compile`` against the same loop eager (dcgan; ganzoo has no compile option). Each path's same-seed D losses
  over the first 20 steps are compared with the fp32 NCHW run's (largest absolute difference), the tolerance by which
  a fast path is judged.
* ``quality``: dcgan on MNIST for ``--quality-kimg`` (64) thousand images in fp32 NCHW, fp32 channels-last,
  bf16-mixed and fused Adam, same seed, and the small-CNN FID of 10k samples at the end: what a fast path does
  to a short run.
* ``scaling``: images/s, GFLOP/s and peak memory (RSS, its high-water mark reset before each run) of dcgan and
  stylegan_lite against the batch (16, 64, 256 at 32×32) and the resolution (32, 64, 128 at batch 64); a PNG plot
  (``--plot``).
* ``metrics``: time and peak memory of ``fid_lenet`` (small-CNN FID) against the number of generated samples, each
  in a fresh process (so that the peak RSS is this evaluation's own), on MNIST when an offline copy exists, else the
  bundled digits.

Rows go to ``benchmarks/results/speed.jsonl`` (``--quick``: ``results/ci/``); tables are printed.

    python benchmarks/speed.py [--sections paths scaling metrics] [--quick] [--plot docs/speed.png]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import lightning as L
import throughput
import torch
from peak_memory import peak_rss_mib, reset_peak_rss

from ganzoo import allocator
from ganzoo.cli import expand_aliases
from ganzoo.lightning_cli import run_cli

RESULTS = Path(__file__).resolve().parent / "results" / "speed.jsonl"
QUICK = RESULTS.parent / "ci" / "speed_quick.jsonl"
REPO = Path(__file__).resolve().parent.parent

#: Model arguments: DCGAN as in throughput.py (no EMA), StyleGAN-lite with its packaged defaults (EMA on), and the
#: MLP GAN (fast paths only: the scaling section's resolutions are for conv nets).
MODELS = {
    "dcgan": ["--model", "dcgan", "--model.ema_decay", "null"],
    "stylegan_lite": ["--model", "stylegan_lite"],
    "vanilla_gan": ["--model", "vanilla_gan"],
}
SCALING_MODELS = ("dcgan", "stylegan_lite")
#: torch's fused Adam (one kernel for all tensors) in place of the default per-tensor loop: an opt-in.
FUSED_ADAM = ("--model.optimizer_g.init_args.fused", "true", "--model.optimizer_d.init_args.fused", "true")


class DiscriminatorLosses(L.Callback):
    """The first ``n`` discriminator losses (every backward of a D step), as floats."""

    def __init__(self, n: int = 20) -> None:
        self.n = n
        self.values: list[float] = []

    def on_before_backward(self, trainer: L.Trainer, pl_module: Any, loss: torch.Tensor) -> None:
        first = next(pl_module.discriminator.parameters())
        if first.requires_grad and len(self.values) < self.n:
            self.values.append(float(loss.detach()))


def fit(model: str, shape: tuple[int, int, int], batch: int, steps: int, warmup: int, root: str,
        extra: tuple[str, ...] = ()) -> tuple[float, Any, list[float]]:  # fmt: skip
    """Images/s of one ``ganzoo fit`` run, its module, and its first D losses."""
    timer = {"class_path": "throughput.BatchTimer", "init_args": {"warmup": warmup}}
    losses = {"class_path": f"{__name__}.DiscriminatorLosses"}
    args = [
        "fit", *MODELS[model], *extra,
        *("--data", "throughput.SyntheticImages", "--data.shape", json.dumps(list(shape))),
        *("--data.num_batches", str(warmup + steps), "--data.batch_size", str(batch)),
        *("--trainer.max_epochs", "1", "--trainer.default_root_dir", root, "--trainer.enable_progress_bar", "false"),
        f"--trainer.callbacks+={json.dumps(timer)}", f"--trainer.callbacks+={json.dumps(losses)}",
        *("--metrics.metrics", "[]", "--seed_everything", "0"),
    ]  # fmt: skip
    cli = run_cli(expand_aliases(args))
    callbacks = {type(cb).__name__: cb for cb in cli.trainer.callbacks}
    return steps * batch / callbacks["BatchTimer"].seconds, cli.model, callbacks["DiscriminatorLosses"].values


def flops_per_image(module: Any, shape: tuple[int, int, int], batch: int) -> float:
    """FLOPs of one D step and one G step of ``module`` (forward and backward), per image, counted."""
    from torch.utils.flop_counter import FlopCounterMode

    module = module.float().train()
    real = torch.rand(batch, *shape) * 2 - 1
    counter = FlopCounterMode(display=False)
    # Totals only: the per-module tracker (a torch internal) fails on StyleGAN-lite's no-grad generation in the D step.
    counter.mod_tracker = _NoModuleTracker()
    batch_of = (real, torch.zeros(batch, dtype=torch.long))
    with counter:
        module.discriminator_loss(batch_of)["loss"].backward()
        module.discriminator.requires_grad_(False)  # as in training: the G step computes no D weight gradients
        try:
            module.generator_loss(batch_of)["loss"].backward()
        finally:
            module.discriminator.requires_grad_(True)
    return counter.get_total_flops() / batch


class _NoModuleTracker(contextlib.nullcontext):
    parents = {"Global"}


def row(section: str, **values: Any) -> dict[str, Any]:
    return {"section": section, **values, "threads": torch.get_num_threads(), "device": f"cpu ({os.cpu_count()} cores)",
            "allocator": allocator.setting(), "torch": torch.__version__, "commit": throughput.commit(),
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}  # fmt: skip


def paths(args: argparse.Namespace, peaks: dict[str, float], root: str) -> list[dict]:
    variants = {
        "fp32, NCHW": ("--model.channels_last", "false"),
        "fp32, channels-last (default)": (),
        "bf16-mixed, channels-last": ("--trainer.precision", "bf16-mixed"),
        "fp32, channels-last, 1 thread": (),
        "fp32, channels-last, fused Adam": FUSED_ADAM,
    }
    rows, shape = [], (1, 32, 32)
    for model in args.models:
        flops, reference = None, None
        for name, extra in variants.items():
            threads = torch.get_num_threads()
            if "1 thread" in name:
                torch.set_num_threads(1)
            try:
                speeds, losses = [], []
                for _ in range(args.repetitions):
                    speed, module, losses = fit(model, shape, 64, args.steps, args.warmup, root, extra)
                    speeds.append(speed)
            finally:
                torch.set_num_threads(threads)
            flops = flops or flops_per_image(module, shape, 64)
            reference = reference or losses
            speed = sorted(speeds)[len(speeds) // 2]
            peak = peaks["bf16"] if "bf16" in name else peaks["fp32"]
            rows.append(row("paths", model=model, path=name, batch=64, resolution=32, images_per_s=round(speed, 1),
                            gflops=round(speed * flops / 1e9, 1), peak_gflops=round(peak, 1),
                            of_peak=round(speed * flops / 1e9 / peak, 3),
                            loss_d_max_abs_diff=max(abs(a - b) for a, b in zip(losses, reference, strict=True)),
                            repetitions=args.repetitions, steps=args.steps))  # fmt: skip
            print(f"{model} / {name}: {speed:.1f} img/s", file=sys.stderr)
    rows += compiled(args, root)
    return rows


def compiled(args: argparse.Namespace, root: str) -> list[dict]:
    """The plain loop of throughput.py (dcgan) eager and under torch.compile, same networks and layout."""
    case = throughput.CASES["dcgan"]
    eager = throughput.plain_run(case, args.steps, torch.device("cpu"))
    torch._dynamo.reset()
    speed = throughput.plain_run(case, args.steps, torch.device("cpu"), compile_networks=True)
    return [row("paths", model="dcgan (plain loop)", path=name, batch=64, resolution=32, images_per_s=round(s, 1),
                steps=args.steps, repetitions=1)
            for name, s in (("eager", eager), ("torch.compile (default mode)", speed))]  # fmt: skip


def scaling(args: argparse.Namespace, peaks: dict[str, float], root: str) -> list[dict]:
    grid = [(b, 32) for b in args.batches] + [(64, r) for r in args.resolutions if r != 32]
    rows = []
    for model in [m for m in args.models if m in SCALING_MODELS]:
        for batch, res in grid:
            shape = (1, res, res)
            steps = max(2, args.steps * 64 * 32 * 32 // (batch * res * res))  # about the same work per point
            allocator.release_freed_memory()  # or the previous, larger point's kept heap counts as this one's peak
            reset_peak_rss()
            speed, module, _ = fit(model, shape, batch, steps, 2, root)
            rss = peak_rss_mib()
            flops = flops_per_image(module, shape, batch)
            rows.append(row("scaling", model=model, batch=batch, resolution=res, images_per_s=round(speed, 1),
                            gflops=round(speed * flops / 1e9, 1), of_peak=round(speed * flops / 1e9 / peaks["fp32"], 3),
                            peak_rss_mib=round(rss), steps=steps))  # fmt: skip
            print(f"{model} batch {batch} {res}×{res}: {speed:.1f} img/s", file=sys.stderr)
    return rows


METRIC_PROBE = """
import json, sys, time, torch
sys.path.insert(0, {benchmarks!r})
from peak_memory import peak_rss_mib
from ganzoo.allocator import keep_freed_memory
keep_freed_memory()  # as in the parent, whose setting the rows record
from ganzoo.metrics.evaluate import evaluate
from ganzoo.metrics.protocol import EvaluationOptions
from ganzoo.models import DCGAN
from ganzoo.data import {data}
dm = {data}(**{kwargs})
dm.setup("fit")
model = DCGAN(data_shape=dm.data_shape)
start = time.perf_counter()
records = evaluate(model, dm, ["fid"], EvaluationOptions(feature="lenet", n_fake={n}, n_real=10_000))
print(json.dumps({{"seconds": time.perf_counter() - start, "value": records[0]["value"], "metric": records[0]["metric"],
                  "peak_rss_mib": peak_rss_mib()}}))
"""


def metrics(args: argparse.Namespace, peaks: dict[str, float], root: str) -> list[dict]:
    data_root = Path(os.environ.get("GANZOO_DATA_ROOT", REPO.parent / "shared" / "data"))
    data, kwargs = ("MNISTData", {"root": str(data_root)}) if (data_root / "MNIST").is_dir() else ("DigitsData", {})
    rows = []
    for n in args.samples:
        probe = METRIC_PROBE.format(benchmarks=str(REPO / "benchmarks"), data=data, kwargs=kwargs, n=n)
        out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
        result = json.loads(out.stdout.strip().splitlines()[-1])
        rows.append(row("metrics", data=data, n_fake=n, **result))
        print(f"{result['metric']} with {n} samples: {result['seconds']:.1f} s", file=sys.stderr)
    return rows


QUALITY_PATHS = {
    "fp32, NCHW": ("--model.channels_last", "false"),
    "fp32, channels-last (default)": (),
    "bf16-mixed, channels-last": ("--trainer.precision", "bf16-mixed"),
    "fp32, channels-last, fused Adam": FUSED_ADAM,
}


def quality(args: argparse.Namespace, peaks: dict[str, float], root: str) -> list[dict]:
    """dcgan on MNIST 32×32 for ``--quality-kimg`` thousand images per path, same seed; small-CNN FID of 10k samples
    against the test set at the end: the short-run check that a fast path does not change what training reaches."""
    data_root = Path(os.environ.get("GANZOO_DATA_ROOT", REPO.parent / "shared" / "data"))
    if not (data_root / "MNIST").is_dir():
        print(f"quality: no offline MNIST under {data_root}, skipped", file=sys.stderr)
        return []
    batches = int(args.quality_kimg * 1000 / 64)
    rows = []
    for name, extra in QUALITY_PATHS.items():
        start = time.perf_counter()
        cli = run_cli(expand_aliases([
            "fit", *MODELS["dcgan"], *extra, "--data", "mnist", f"--data.root={data_root}", "--data.batch_size=64",
            "--trainer.max_epochs=-1", f"--trainer.max_steps={2 * batches}", "--trainer.limit_val_batches=0",
            "--trainer.enable_progress_bar=false", f"--trainer.default_root_dir={root}", "--seed_everything=0",
            "--metrics.metrics=[fid]", "--metrics.feature=lenet", f"--metrics.n_fake={args.quality_samples}",
        ]))  # fmt: skip
        seconds = time.perf_counter() - start
        (record,) = next(cb.last for cb in cli.trainer.callbacks if type(cb).__name__ == "Evaluation")
        rows.append(row("quality", model="dcgan", data="mnist 32×32", path=name, kimg=args.quality_kimg,
                        metric=record["metric"], value=record["value"], seconds=round(seconds, 1)))  # fmt: skip
        print(f"quality {name}: {record['metric']} {record['value']:.2f}", file=sys.stderr)
    return rows


SECTIONS = {"paths": paths, "quality": quality, "scaling": scaling, "metrics": metrics}


def print_tables(rows: list[dict]) -> None:
    """The run's tables, rendered by the report's own column definitions (one source for both)."""
    import report_speed

    print("\n" + "\n".join(report_speed.cpu_speed_section(rows)))


def plot(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (by_batch, by_res) = plt.subplots(1, 2, figsize=(10, 4))
    for model in sorted({r["model"] for r in rows if r["section"] == "scaling"}):
        mine = [r for r in rows if r["section"] == "scaling" and r["model"] == model]
        batch = sorted((r["batch"], r["images_per_s"]) for r in mine if r["resolution"] == 32)
        res = sorted((r["resolution"], r["images_per_s"]) for r in mine if r["batch"] == 64)
        by_batch.plot(*zip(*batch, strict=True), marker="o", label=model)
        by_res.plot(*zip(*res, strict=True), marker="o", label=model)
    from matplotlib.ticker import LogLocator, NullLocator, ScalarFormatter

    axes = ((by_batch, "batch (32×32)", [16, 64, 256]), (by_res, "resolution (batch 64)", [32, 64, 128]))
    for ax, label, ticks in axes:
        ax.set(xscale="log", yscale="log", xlabel=label)
        ax.set_xticks(ticks, [str(t) for t in ticks])
        ax.xaxis.set_minor_locator(NullLocator())
        ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
        ax.yaxis.set_major_formatter(ScalarFormatter())
        ax.yaxis.set_minor_locator(NullLocator())
        ax.grid(alpha=0.3)
    by_batch.set_ylabel("training images/s")
    by_batch.legend()
    fig.suptitle(f"ganzoo fit on {os.cpu_count()} CPU cores ({torch.get_num_threads()} threads), fp32, channels-last")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100, metadata={"Software": None})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sections", nargs="+", choices=list(SECTIONS), default=list(SECTIONS))
    parser.add_argument("--models", nargs="+", choices=list(MODELS), default=list(MODELS))
    parser.add_argument("--steps", type=int, default=20, help="timed batches per run (64-image 32×32 equivalents)")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--repetitions", type=int, default=3, help="runs per fast path (median)")
    parser.add_argument("--batches", nargs="+", type=int, default=[16, 64, 256])
    parser.add_argument("--resolutions", nargs="+", type=int, default=[32, 64, 128])
    parser.add_argument("--samples", nargs="+", type=int, default=[1000, 5000, 10_000, 20_000])
    parser.add_argument("--quality-kimg", type=float, default=64.0, help="training per path in the quality check")
    parser.add_argument("--quality-samples", type=int, default=10_000, help="generated samples of its FID")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, one repetition: a smoke check")
    parser.add_argument("--plot", type=Path, default=None, help="PNG of the scaling section")
    parser.add_argument("--plot-only", action="store_true", help="redraw --plot from the stored rows and stop")
    args = parser.parse_args()
    allocator.keep_freed_memory()  # as the ganzoo command does at start
    if args.quick:
        args.steps, args.warmup, args.repetitions = 2, 1, 1
        args.batches, args.resolutions, args.samples = [16], [32], [200]
        args.quality_kimg, args.quality_samples = 0.256, 200
    if args.plot_only:
        stored = [json.loads(line) for line in RESULTS.read_text().splitlines()]
        last = [r for r in stored if r["section"] == "scaling"][-1]
        plot([r for r in stored if r["section"] == "scaling" and r["commit"] == last["commit"]
              and r["date"][:13] == last["date"][:13]], args.plot)  # fmt: skip
        return
    peaks = {"fp32": throughput.gemm_peak(torch.float32), "bf16": throughput.gemm_peak(torch.bfloat16)}
    rows: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="ganzoo-speed-") as root:
        for name in args.sections:
            rows += SECTIONS[name](args, peaks, root)
    rows.append(row("peak", fp32_gflops=round(peaks["fp32"], 1), bf16_gflops=round(peaks["bf16"], 1)))
    out = QUICK if args.quick else RESULTS
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("a") as f:
        f.writelines(json.dumps(r) + "\n" for r in rows)
    print_tables(rows)
    if args.plot:
        plot(rows, args.plot)


if __name__ == "__main__":
    main()
