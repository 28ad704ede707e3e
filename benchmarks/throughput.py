"""Training throughput of ganzoo against a plain PyTorch loop doing the same work.

Protocol
--------
For each model (``dcgan`` on 1×32×32, ``vanilla_gan`` — MLPs — on 1×28×28; batch 64 for both) the benchmark times
two paths on the same synthetic in-memory data (uint8 images drawn once from a fixed seed):

* **ganzoo**: ``ganzoo.lightning_cli.run_cli(["fit", "--model", NAME, ...])``, i.e. the Trainer and the module the
  ``ganzoo`` command builds, with its defaults (TensorBoard logger, Lightning's ``log_every_n_steps``,
  progress bar, checkpoint and sample-grid callbacks). The data is :class:`SyntheticImages`, a
  :class:`~ganzoo.data.GANDataModule` over an :class:`~ganzoo.data.InMemoryDataset`, as ganzoo's own small sets use.
  A callback (:class:`BatchTimer`) added with ``--trainer.callbacks+=`` measures the training batches. Only the
  work is pinned: the architecture and no EMA (the default config's DCGAN settings would otherwise carry over
  to ``--model``), and no FID/KID/IS at the end of fit.
* **plain**: a loop a competent engineer would write by hand: the same networks (``ganzoo.nets``), the same
  optimizer as ganzoo's default (Adam(2e-4, β=(0.5, 0.999)), torch's per-tensor implementation) for both players, losses
  from logits with ``softplus``; per epoch a ``randperm`` of the in-memory uint8 tensor, each batch gathered with one
  index op and scaled to [−1, 1] with ``x.float().div_(127.5).sub_(1)``.
  Per batch: one D step (fakes under ``no_grad``) then one G step with D frozen (``requires_grad_(False)``, so no
  wasted D weight gradients), ``zero_grad(set_to_none=True)``, no logging.

Both paths run one epoch of ``warmup + steps`` batches per repetition (fresh networks, optimizers and — for ganzoo —
a fresh CLI run each time). The first ``warmup`` batches are excluded; the clock runs from the end of the last warm-up
batch to the end of the last batch, so it covers data loading and every per-batch hook but not start-up, sanity
check, validation, checkpointing or sample grids. Repetitions alternate ganzoo, plain, ganzoo, plain… so that machine
noise hits both; images/s = steps × 64 / seconds, median over repetitions; ratio = ganzoo / plain (the table also
shows the range of the repetitions' own ganzoo/plain ratios, and the rows keep every run). The whole
process runs under :func:`ganzoo.allocator.keep_freed_memory`, as the ``ganzoo`` command does (both paths: it is
process-wide); under glibc's defaults each path's speed depends on the thresholds glibc settled on in that process.

FLOPs are counted, not estimated: ``torch.utils.flop_counter`` over one plain step (D and G, forward and backward;
matmuls and convolutions). Achieved TFLOP/s = ganzoo images/s × FLOPs per image; MFU = that / the device's peak
(``--peak-tflops``, or the dense BF16 peak of a known GPU; on a CPU, its fp32 GEMM peak measured in the same run,
see :func:`gemm_peak`).

Prints a markdown table and, as its last line, ``ganzoo/plain throughput ratio: R`` (R: the worst model; the target
is R ≥ 0.95), and appends one JSON line per model to ``benchmarks/results/throughput.jsonl``.

    python benchmarks/throughput.py [--quick] [--accelerator cpu|cuda] [--models dcgan vanilla_gan] [--threads N]
"""

from __future__ import annotations

import argparse
import datetime
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import lightning as L
import torch
import torch.nn.functional as F
from budget import commit
from torch import Tensor, nn
from torch.utils.data import Dataset

from ganzoo import allocator
from ganzoo.cli import expand_aliases
from ganzoo.data import GANDataModule, InMemoryDataset
from ganzoo.lightning_cli import run_cli
from ganzoo.models.base import ADAM_DCGAN, as_callable
from ganzoo.nets import DCGANDiscriminator, DCGANGenerator, MLPDiscriminator, MLPGenerator

BATCH_SIZE = 64
LATENT_DIM = 100
SEED = 0
RESULTS = Path(__file__).resolve().parent / "results" / "throughput.jsonl"
QUICK = RESULTS.parent / "ci" / "throughput_quick.jsonl"  # CI smoke runs: not results, not committed


@dataclass(frozen=True)
class Case:
    model: str  # ganzoo alias
    shape: tuple[int, int, int]
    model_args: tuple[str, ...]  # pins ganzoo's architecture to the one build() makes
    warmup: int  # batches excluded from the timing
    steps: int  # timed batches per repetition
    quick_steps: int

    def build(self) -> tuple[nn.Module, nn.Module]:
        """The generator and discriminator of the model's defaults (its signature), in ganzoo's default layout
        (channels-last weights for conv networks)."""
        if self.model == "dcgan":
            nets = DCGANGenerator(LATENT_DIM, self.shape, 64, "batch"), DCGANDiscriminator(self.shape, 64, "batch")
            return tuple(net.to(memory_format=torch.channels_last) for net in nets)
        g = MLPGenerator(LATENT_DIM, self.shape, (256, 512, 1024), "leaky_relu", "none", tanh_output=True)
        return g, MLPDiscriminator(self.shape, (512, 256), "leaky_relu", "none")


# The model arguments are explicit because the CLI's default config (a DCGAN with EMA) otherwise carries
# g_norm/d_norm/ema_decay over to the model chosen with --model; the plain loop has no EMA.
_NO_EMA = ("--model.ema_decay", "null")
CASES = {
    "dcgan": Case(
        "dcgan",
        (1, 32, 32),
        ("--model.base_channels", "64", "--model.g_norm", "batch", "--model.d_norm", "batch", *_NO_EMA),
        warmup=3,
        steps=40,
        quick_steps=8,
    ),
    "vanilla_gan": Case(
        "vanilla_gan",
        (1, 28, 28),
        ("--model.g_norm", "none", "--model.d_norm", "none", *_NO_EMA),
        warmup=20,
        steps=600,
        quick_steps=150,
    ),
}


def synthetic_images(shape: Sequence[int], n: int) -> Tensor:
    """``n`` random uint8 images, the same for both paths."""
    return torch.randint(0, 256, (n, *shape), dtype=torch.uint8, generator=torch.Generator().manual_seed(SEED))


class SyntheticImages(GANDataModule):
    """Random uint8 images held in memory: ``num_batches`` training batches, one validation batch.

    Args:
        shape: (C, H, W) of one image.
        num_batches: training batches per epoch.
        **kwargs: see :class:`~ganzoo.data.GANDataModule`.
    """

    def __init__(self, shape: tuple[int, int, int] = (1, 32, 32), num_batches: int = 10, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.shape = tuple(shape)
        self.num_batches = num_batches

    @property
    def data_shape(self) -> tuple[int, ...]:
        return self.shape

    def make_dataset(self, split: str) -> Dataset:
        n = self.num_batches if split == "train" else 1
        return InMemoryDataset(synthetic_images(self.shape, n * self.batch_size))


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


class BatchTimer(L.Callback):
    """Seconds from the end of batch ``warmup - 1`` to the end of the epoch's last training batch."""

    def __init__(self, warmup: int = 1) -> None:
        self.warmup = max(1, warmup)
        self.start = self.seconds = float("nan")

    def on_train_batch_end(self, trainer: L.Trainer, pl_module: L.LightningModule, *args: Any) -> None:
        batch_idx = args[-1]
        if batch_idx == self.warmup - 1:
            _sync(pl_module.device)
            self.start = time.perf_counter()
        elif batch_idx == trainer.num_training_batches - 1:
            _sync(pl_module.device)
            self.seconds = time.perf_counter() - self.start


def _class_path(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def ganzoo_run(case: Case, steps: int, accelerator: str, root: str) -> float:
    """Images/s of one ``ganzoo fit`` run of ``case.warmup + steps`` batches."""
    timer = {"class_path": _class_path(BatchTimer), "init_args": {"warmup": case.warmup}}
    args = [
        "fit",
        *("--model", case.model),
        *case.model_args,
        *("--data", _class_path(SyntheticImages)),
        *("--data.shape", json.dumps(list(case.shape))),
        *("--data.num_batches", str(case.warmup + steps)),
        *("--data.batch_size", str(BATCH_SIZE)),
        *("--trainer.accelerator", accelerator),
        *("--trainer.devices", "1"),
        *("--trainer.max_epochs", "1"),
        *("--trainer.max_steps", str(2 * (case.warmup + steps))),  # global_step counts both players' steps
        *("--trainer.default_root_dir", root),
        f"--trainer.callbacks+={json.dumps(timer)}",
        *("--metrics.metrics", "[]"),  # no FID/KID/IS at the end of fit (outside the timing, but minutes long)
        *("--seed_everything", str(SEED)),
    ]
    cli = run_cli(expand_aliases(args))
    # Same networks on both paths, or the comparison means nothing.
    if list(map(repr, case.build())) != [repr(cli.model.generator), repr(cli.model.discriminator)]:
        raise RuntimeError(f"ganzoo built other networks than the plain loop for {case.model}:\n{cli.model}")
    if getattr(cli.model, "generator_ema", None) is not None:
        raise RuntimeError("ganzoo trains an EMA generator, the plain loop does not")
    seconds = next(cb for cb in cli.trainer.callbacks if isinstance(cb, BatchTimer)).seconds
    return steps * BATCH_SIZE / seconds


def plain_run(case: Case, steps: int, device: torch.device, compile_networks: bool = False) -> float:
    """Images/s of a hand-written loop over ``case.warmup + steps`` batches doing the same work as ganzoo (with
    ``torch.compile`` on both networks if asked)."""
    torch.manual_seed(SEED)
    generator, discriminator = (net.to(device).train() for net in case.build())
    if compile_networks:
        generator, discriminator = torch.compile(generator), torch.compile(discriminator)
    # ganzoo's default optimizer, so that the ratio measures the framework and not the optimizer's implementation.
    opt_g, opt_d = (as_callable(ADAM_DCGAN)(net.parameters()) for net in (generator, discriminator))
    data = synthetic_images(case.shape, (case.warmup + steps) * BATCH_SIZE)

    start = time.perf_counter()
    for i, idx in enumerate(torch.randperm(len(data)).split(BATCH_SIZE)):
        if i == case.warmup:
            _sync(device)
            start = time.perf_counter()
        plain_step(generator, discriminator, opt_g, opt_d, data[idx].float().div_(127.5).sub_(1.0).to(device))
    _sync(device)
    return steps * BATCH_SIZE / (time.perf_counter() - start)


def plain_step(generator: nn.Module, discriminator: nn.Module, opt_g: Any, opt_d: Any, real: Tensor) -> None:
    """One D step (fakes under ``no_grad``) then one G step with D frozen."""
    # Discriminator: −log D(x) − log(1 − D(G(z))).
    with torch.no_grad():
        fake = generator(torch.randn(BATCH_SIZE, LATENT_DIM, device=real.device))
    loss_d = F.softplus(-discriminator(real)).mean() + F.softplus(discriminator(fake)).mean()
    opt_d.zero_grad(set_to_none=True)
    loss_d.backward()
    opt_d.step()
    # Generator (non-saturating): −log D(G(z)), with D frozen.
    discriminator.requires_grad_(False)
    loss_g = F.softplus(-discriminator(generator(torch.randn(BATCH_SIZE, LATENT_DIM, device=real.device)))).mean()
    opt_g.zero_grad(set_to_none=True)
    loss_g.backward()
    opt_g.step()
    discriminator.requires_grad_(True)


def step_flops(case: Case, device: torch.device) -> int:
    """FLOPs of one training step (D and G, forward and backward), counted by ``torch.utils.flop_counter`` on the
    plain loop's step: matmuls and convolutions, the work MFU is defined over."""
    from torch.utils.flop_counter import FlopCounterMode

    generator, discriminator = (net.to(device).train() for net in case.build())
    opt_g, opt_d = (torch.optim.Adam(net.parameters()) for net in (generator, discriminator))
    real = synthetic_images(case.shape, BATCH_SIZE).float().div_(127.5).sub_(1.0).to(device)
    with FlopCounterMode(display=False) as counter:
        plain_step(generator, discriminator, opt_g, opt_d, real)
    return counter.get_total_flops()


def gemm_rates(dtype: torch.dtype, repeats: int = 10) -> dict[str, float]:
    """This CPU's GEMM rate for ``dtype`` in GFLOP/s through torch's two GEMM paths, each the best of ``repeats``
    runs after a warm-up: a square matmul of side 2048 (``torch.mm``, MKL for fp32) and a 1×1 convolution of the same
    work in the channels-last layout (oneDNN, which conv nets, channels-last and OpenVINO use)."""
    side = 2048
    a, b = torch.randn(side, side, dtype=dtype), torch.randn(side, side, dtype=dtype)
    x = torch.randn(2, side, 32, 32, dtype=dtype).contiguous(memory_format=torch.channels_last)  # 2048 × 2048 × 2048
    w = torch.randn(side, side, 1, 1, dtype=dtype).contiguous(memory_format=torch.channels_last)
    rates = {}
    with torch.no_grad():
        for name, run in (("torch.mm (MKL)", lambda: a @ b), ("oneDNN 1x1 conv", lambda: F.conv2d(x, w))):
            best = float("inf")
            for _ in range(repeats + 1):
                start = time.perf_counter()
                run()
                best = min(best, time.perf_counter() - start)
            rates[name] = 2 * side**3 / best / 1e9
    return rates


def gemm_peak(dtype: torch.dtype, repeats: int = 10) -> float:
    """This CPU's practical GEMM peak for ``dtype`` in GFLOP/s: the faster of :func:`gemm_rates`' two paths. On the
    AMD machines here oneDNN's fp32 GEMM is well above MKL's, so a matmul-only peak would put conv nets above 100 %."""
    return max(gemm_rates(dtype, repeats).values())


#: Dense peak TFLOP/s for MFU when --peak-tflops is not given: BF16 tensor-core peaks from NVIDIA's datasheets
#: (without sparsity), the usual MFU denominator. Matched against torch.cuda.get_device_name().
PEAK_TFLOPS = {"H100": 989.4, "H200": 989.4, "A100": 312.0}


def default_peak(device_name: str) -> float | None:
    return next((peak for key, peak in PEAK_TFLOPS.items() if key in device_name), None)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accelerator", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument("--quick", action="store_true", help="fewer, shorter repetitions (CI; < 3 min on 2 cores)")
    parser.add_argument("--repetitions", type=int, default=None, help="default 5, or 3 with --quick")
    parser.add_argument("--models", nargs="+", choices=tuple(CASES), default=list(CASES))
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads for both paths")
    parser.add_argument("--peak-tflops", type=float, default=None, help="device peak for MFU (default: a BF16 "
                        "dense peak for known GPUs; a CPU's fp32 GEMM peak, measured)")  # fmt: skip
    parser.add_argument("--out", type=Path, default=None, help=f"JSON lines file (default {RESULTS}; --quick: {QUICK})")
    args = parser.parse_args(argv)
    # As the ``ganzoo`` command does at start; process-wide, so the plain loop runs under it too.
    allocator.keep_freed_memory()
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.accelerator == "cuda" and not torch.cuda.is_available():
        parser.error("--accelerator cuda: no CUDA device")
    reps = args.repetitions or (3 if args.quick else 5)
    device = torch.device(args.accelerator)
    threads = torch.get_num_threads()
    device_name = torch.cuda.get_device_name(device) if device.type == "cuda" else f"cpu ({threads} threads)"
    rows, sha = [], commit()
    measured_peak = gemm_peak(torch.float32) / 1e3 if device.type == "cpu" else None  # TFLOP/s
    peak = args.peak_tflops or (default_peak(device_name) if device.type == "cuda" else measured_peak)
    with tempfile.TemporaryDirectory(prefix="ganzoo-bench-") as root:
        for name in args.models:
            case = CASES[name]
            steps = case.quick_steps if args.quick else case.steps
            ganzoo, plain = [], []
            for rep in range(reps):  # interleaved: A B A B …
                ganzoo.append(ganzoo_run(case, steps, args.accelerator, root))
                plain.append(plain_run(case, steps, device))
                print(f"{name} {rep + 1}/{reps}: ganzoo {ganzoo[-1]:.1f}, plain {plain[-1]:.1f} img/s", file=sys.stderr)
            g, p = statistics.median(ganzoo), statistics.median(plain)
            flops_per_image = step_flops(case, device) / BATCH_SIZE
            achieved = g * flops_per_image / 1e12  # TFLOP/s through ganzoo
            rows.append(
                {
                    "model": name,
                    "data": f"synthetic uint8 {'×'.join(map(str, case.shape))}, in memory",
                    "batch_size": BATCH_SIZE,
                    "images_per_s_ganzoo": round(g, 1),
                    "images_per_s_plain": round(p, 1),
                    "ratio": round(g / p, 4),
                    # Each run, in the order they ran (ganzoo then plain per repetition): the noise the median hides.
                    "runs_images_per_s": {"ganzoo": [round(v, 1) for v in ganzoo],
                                          "plain": [round(v, 1) for v in plain]},  # fmt: skip
                    "gflop_per_image": round(flops_per_image / 1e9, 4),
                    "tflops_ganzoo": round(achieved, 4),
                    "peak_tflops": peak,
                    "mfu": round(achieved / peak, 5) if peak else None,
                    "repetitions": reps,
                    "steps": steps,
                    "device": device_name,
                    "allocator": allocator.setting(),
                    "torch": torch.__version__,
                    "lightning": L.__version__,
                    "commit": sha,
                    "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                }
            )
    out = args.out or (QUICK if args.quick else RESULTS)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("a") as f:
        f.writelines(json.dumps(row) + "\n" for row in rows)

    print(f"\nTraining throughput, {device_name}, median of {reps} repetitions; ganzoo: `ganzoo fit` defaults")
    print("(TensorBoard logging, progress bar, checkpoint and sample-grid callbacks), EMA off; MFU against "
          f"{'the fp32 GEMM peak measured in this run, ' if measured_peak else ''}{peak:.3f} TFLOP/s\n"
          if peak else "(TensorBoard logging, progress bar, checkpoint and sample-grid callbacks), EMA off\n")
    print("| model | data | batch | ganzoo img/s | plain img/s | ratio | per repetition | GFLOP/img | TFLOP/s | MFU |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        mfu = f"{100 * r['mfu']:.1f} %" if r["mfu"] is not None else "— (no peak)"
        runs = r["runs_images_per_s"]
        pairs = [g / p for g, p in zip(runs["ganzoo"], runs["plain"], strict=True)]
        print(
            f"| {r['model']} | {r['data']} | {r['batch_size']} | {r['images_per_s_ganzoo']:.1f} "
            f"| {r['images_per_s_plain']:.1f} | {r['ratio']:.3f} | {min(pairs):.3f}–{max(pairs):.3f} "
            f"| {r['gflop_per_image']:.3f} | {r['tflops_ganzoo']:.3f} | {mfu} |"
        )
    print(f"\nganzoo/plain throughput ratio: {min(r['ratio'] for r in rows):.3f}")


if __name__ == "__main__":
    main()
