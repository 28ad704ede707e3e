"""Where the time of a small training step goes: a plain loop, a minimal LightningModule and ``ganzoo fit``.

Protocol
--------
The MLP case of ``benchmarks/throughput.py`` (``vanilla_gan`` on 1×28×28, batch 64), whose step is short enough
(≈ 12 ms on 2 cores) for per-batch overhead to show. Three paths over the same in-memory uint8 data, interleaved per
repetition so that machine noise hits all of them:

* **plain**: ``throughput.plain_run``, the hand-written loop.
* **lightning**: the same step (``throughput.plain_step``) as the ``training_step`` of a minimal LightningModule in
  manual optimization (``self.optimizers()``, ``manual_backward``), in a bare ``Trainer`` (no logger, progress bar,
  checkpoint or model summary; no validation) fed a ``DataLoader`` that yields whole index batches. What this adds
  to *plain* is Lightning's own cost.
* **lightning + N empty callbacks** (N: ganzoo fit's count), with Lightning's default profiler and with ganzoo's
  ``NoProfiler``: what calling the hooks of that many callbacks costs, and what ganzoo's profiler saves of it.
* **ganzoo**: ``throughput.ganzoo_run``, ``ganzoo fit`` with its defaults. What it adds to the last *lightning* row is
  ganzoo's.

Each path is timed by the same rule (warm-up batches excluded, median over repetitions) and reported in µs per
batch. Then one more ``ganzoo fit`` run under Lightning's ``SimpleProfiler`` (the Trainer's public ``profiler``
argument) gives the per-hook breakdown: µs per batch for every action that runs each batch, largest first (the
profiler's own bookkeeping inflates the total a little).

    python benchmarks/overhead.py [--repetitions 5] [--steps 600] [--quick]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
from typing import Any

import lightning as L
import throughput
import torch
from lightning.pytorch.profilers import Profiler, SimpleProfiler
from torch.utils.data import DataLoader, Sampler

from ganzoo.allocator import keep_freed_memory
from ganzoo.cli import expand_aliases
from ganzoo.lightning_cli import run_cli
from ganzoo.models.base import ADAM_DCGAN, as_callable
from ganzoo.profiling import NoProfiler

CASE = throughput.CASES["vanilla_gan"]
BATCH = throughput.BATCH_SIZE


class IndexBatches(Sampler[torch.Tensor]):
    """One ``randperm`` per epoch, split into index tensors of a batch each: the plain loop's batching."""

    def __init__(self, size: int) -> None:
        self.size = size

    def __len__(self) -> int:
        return self.size // BATCH

    def __iter__(self) -> Any:
        return iter(torch.randperm(self.size).split(BATCH))


class Gather(torch.utils.data.Dataset):
    """``dataset[index_tensor]`` is a whole batch scaled to [−1, 1], gathered with one indexing op."""

    def __init__(self, images: torch.Tensor) -> None:
        self.images = images

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index: torch.Tensor) -> torch.Tensor:
        return self.images[index].float().div_(127.5).sub_(1.0)


class MinimalGAN(L.LightningModule):
    """The plain loop's step as the ``training_step`` of a manual-optimization LightningModule."""

    def __init__(self, warmup: int) -> None:
        super().__init__()
        self.generator, self.discriminator = CASE.build()
        self.automatic_optimization = False
        self.warmup = warmup
        self.start = self.seconds = float("nan")

    def configure_optimizers(self) -> list[torch.optim.Optimizer]:
        return [as_callable(ADAM_DCGAN)(net.parameters()) for net in (self.generator, self.discriminator)]

    def training_step(self, real: torch.Tensor, batch_idx: int) -> None:
        opt_g, opt_d = self.optimizers()
        # throughput.plain_step with Lightning's optimizer wrappers and manual_backward instead of .backward().
        with torch.no_grad():
            fake = self.generator(torch.randn(BATCH, throughput.LATENT_DIM))
        loss_d = (torch.nn.functional.softplus(-self.discriminator(real)).mean()
                  + torch.nn.functional.softplus(self.discriminator(fake)).mean())  # fmt: skip
        opt_d.zero_grad(set_to_none=True)
        self.manual_backward(loss_d)
        opt_d.step()
        self.discriminator.requires_grad_(False)
        loss_g = torch.nn.functional.softplus(
            -self.discriminator(self.generator(torch.randn(BATCH, throughput.LATENT_DIM)))
        ).mean()
        opt_g.zero_grad(set_to_none=True)
        self.manual_backward(loss_g)
        opt_g.step()
        self.discriminator.requires_grad_(True)

    def on_train_batch_end(self, outputs: Any, batch: Any, batch_idx: int) -> None:
        if batch_idx == self.warmup - 1:
            self.start = time.perf_counter()
        elif batch_idx == self.trainer.num_training_batches - 1:
            self.seconds = time.perf_counter() - self.start


def simple_profiler(root: str, name: str) -> dict[str, Any]:
    return {"class_path": "lightning.pytorch.profilers.SimpleProfiler", "init_args": {"dirpath": root,
            "filename": name}}  # fmt: skip


def lightning_run(steps: int, profiler: Profiler | None = None, callbacks: int = 0) -> tuple[float, L.Trainer]:
    """µs per batch of the minimal LightningModule in a bare Trainer with ``callbacks`` callbacks that override no
    hook, and the trainer."""
    torch.manual_seed(throughput.SEED)
    images = throughput.synthetic_images(CASE.shape, (CASE.warmup + steps) * BATCH)
    data = Gather(images)
    loader = DataLoader(data, sampler=IndexBatches(len(data)), batch_size=None)
    module = MinimalGAN(CASE.warmup)
    trainer = L.Trainer(accelerator="cpu", devices=1, max_epochs=1, logger=False, enable_progress_bar=False,
                        enable_checkpointing=False, enable_model_summary=False, num_sanity_val_steps=0,
                        profiler=profiler, callbacks=[L.Callback() for _ in range(callbacks)])  # fmt: skip
    trainer.fit(module, loader)
    return module.seconds / steps * 1e6, trainer


def ganzoo_profiled(steps: int, root: str) -> tuple[float, L.Trainer]:
    """µs per batch of one ``ganzoo fit`` run under ``SimpleProfiler``, and its trainer."""
    profiler = json.dumps(simple_profiler(root, "ganzoo"))
    cli = run_cli(expand_aliases(["fit", *ganzoo_args(steps, root), "--trainer.profiler", profiler]))
    seconds = next(cb for cb in cli.trainer.callbacks if isinstance(cb, throughput.BatchTimer)).seconds
    return seconds / steps * 1e6, cli.trainer


def per_batch_actions(trainer: L.Trainer, batches: int) -> dict[str, float]:
    """The profiled actions that run at least once per batch: µs per batch, by action name with the module's and
    callbacks' state left out (so that the two paths' names match)."""
    rows: dict[str, float] = {}
    for action, durations in trainer.profiler.recorded_durations.items():
        if len(durations) >= batches and action not in ("run_training_epoch", "run_training_batch"):
            name = re.sub(r"\{.*\}", "", re.sub(r"^\[LightningModule\]\w+", "[LightningModule]", action))
            rows[name] = rows.get(name, 0.0) + sum(durations) / batches * 1e6
    return rows


def ganzoo_callbacks() -> list[str]:
    """The callbacks of a ``ganzoo fit`` run of this benchmark, the timer left out."""
    with tempfile.TemporaryDirectory() as root:
        cli = run_cli(expand_aliases(["fit", *ganzoo_args(2, root), "--trainer.max_steps=1"]))
    return [type(cb).__name__ for cb in cli.trainer.callbacks if not isinstance(cb, throughput.BatchTimer)]


def ganzoo_args(steps: int, root: str) -> list[str]:
    timer = {"class_path": "throughput.BatchTimer", "init_args": {"warmup": CASE.warmup}}
    return [
        *("--model", CASE.model, *CASE.model_args),
        *("--data", "throughput.SyntheticImages", "--data.shape", json.dumps(list(CASE.shape))),
        *("--data.num_batches", str(CASE.warmup + steps), "--data.batch_size", str(BATCH)),
        *("--trainer.max_epochs", "1", "--trainer.max_steps", str(2 * (CASE.warmup + steps))),
        *("--trainer.default_root_dir", root, f"--trainer.callbacks+={json.dumps(timer)}"),
        *("--metrics.metrics", "[]", "--seed_everything", str(throughput.SEED)),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--steps", type=int, default=600, help="timed batches per run")
    parser.add_argument("--quick", action="store_true", help="2 repetitions of 100 batches (a smoke check)")
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    keep_freed_memory()  # as the ganzoo command does; process-wide, so every path runs under it
    if args.quick:
        args.repetitions, args.steps = 2, 100
    if args.threads:
        torch.set_num_threads(args.threads)
    empty = len(ganzoo_callbacks())
    quiet = f"lightning + {empty} empty callbacks, NoProfiler"
    times: dict[str, list[float]] = {"plain": [], "lightning": [], f"lightning + {empty} empty callbacks": [],
                                     quiet: [], "ganzoo": []}  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="ganzoo-overhead-") as root:
        # One short untimed run of each path first: the first run in a process pays one-time costs.
        throughput.plain_run(CASE, 50, torch.device("cpu"))
        lightning_run(50)
        throughput.ganzoo_run(CASE, 50, "cpu", root)
        for rep in range(args.repetitions):
            times["plain"].append(BATCH / throughput.plain_run(CASE, args.steps, torch.device("cpu")) * 1e6)
            times["lightning"].append(lightning_run(args.steps)[0])
            times[f"lightning + {empty} empty callbacks"].append(lightning_run(args.steps, callbacks=empty)[0])
            times[quiet].append(lightning_run(args.steps, NoProfiler(), callbacks=empty)[0])
            times["ganzoo"].append(BATCH / throughput.ganzoo_run(CASE, args.steps, "cpu", root) * 1e6)
            print(f"{rep + 1}/{args.repetitions}: " + ", ".join(f"{k} {v[-1]:.0f} µs" for k, v in times.items()),
                  file=sys.stderr)  # fmt: skip
        lightning_us, lightning_trainer = lightning_run(args.steps, SimpleProfiler(root, "lightning"))
        ganzoo_us, ganzoo_trainer = ganzoo_profiled(args.steps, root)
        batches = CASE.warmup + args.steps
        actions = {"lightning": per_batch_actions(lightning_trainer, batches),
                   "ganzoo": per_batch_actions(ganzoo_trainer, batches)}  # fmt: skip
    median = {k: statistics.median(v) for k, v in times.items()}
    print(f"\nPer-batch time, {CASE.model} (MLP) 1×28×28, batch {BATCH}, {torch.get_num_threads()} threads, "
          f"median of {args.repetitions} runs of {args.steps} batches\n")  # fmt: skip
    print("| path | µs per batch | over plain | ratio plain/path |")
    print("|---|---|---|---|")
    for name, us in median.items():
        print(f"| {name} | {us:.0f} | {us - median['plain']:+.0f} | {median['plain'] / us:.3f} |")
    dispatch = median[f"lightning + {empty} empty callbacks"] - median["lightning"]
    saved = median[f"lightning + {empty} empty callbacks"] - median[quiet]
    print(f"\nLightning's own cost: {median['lightning'] - median['plain']:+.0f} µs per batch, and {dispatch:+.0f} µs "
          f"for calling the hooks of {empty} callbacks (ganzoo fit's count) that override none; ganzoo's profiler "
          f"(ganzoo.profiling.NoProfiler, its default) saves {saved:.0f} µs of that; ganzoo's own on top of "
          f"Lightning with its callbacks: {median['ganzoo'] - median[quiet]:+.0f} µs\n")  # fmt: skip
    print(f"Under SimpleProfiler (one run each: lightning {lightning_us:.0f}, ganzoo {ganzoo_us:.0f} µs per batch), "
          "the actions run every batch, µs per batch:\n")  # fmt: skip
    print("| action | lightning | ganzoo |")
    print("|---|---|---|")
    names = sorted(set(actions["lightning"]) | set(actions["ganzoo"]), key=lambda n: -actions["ganzoo"].get(n, 0))
    small = {"lightning": 0.0, "ganzoo": 0.0}
    for name in names:
        us = {path: actions[path].get(name) for path in actions}
        if max(v or 0 for v in us.values()) >= 2:
            print(f"| {name} | " + " | ".join("—" if v is None else f"{v:.0f}" for v in us.values()) + " |")
        else:
            small = {path: small[path] + (us[path] or 0) for path in small}
    print(f"| other hooks (each < 2 µs) | {small['lightning']:.0f} | {small['ganzoo']:.0f} |")

if __name__ == "__main__":
    main()
