"""StyleGAN-lite against DCGAN on Fashion-MNIST 32×32 with the same training budget, judged by small-CNN FID.

Protocol
--------
Each model is trained by ``ganzoo fit --model NAME --data fashion_mnist --data.image_size 32`` (through
``ganzoo.lightning_cli.run_cli``, so with the model's signature defaults), batch 64,
on the same data (``--data-root``), the same seed, no validation and no metrics during training. A callback stops
training once the budget is spent, counted from the first training batch (start-up and data loading do not count;
epoch-end checkpoints do, for both models alike): ``--cpu-minutes`` of the process's CPU time (fair on a shared
machine, as it does not grow while other work holds the cores; run with ``--threads 1``), ``--minutes`` of wall
time, and/or ``--kimg`` thousand real images shown to the discriminator, whichever comes first. Then ``fid_lenet``
(FID on the shipped Fashion-MNIST small CNN's features) of ``--samples`` generated images (the EMA generator where the
model has one: StyleGAN-lite's default; DCGAN's default has none) against the 10,000 test images, with
``ganzoo.metrics.evaluate.evaluate``.

Prints a markdown table (model, kimg, seconds, img/s, FID) and appends one JSON line per model to
``benchmarks/results/stylegan_vs_dcgan.jsonl``. A wall-clock budget needs an otherwise idle machine.

    python benchmarks/stylegan_vs_dcgan.py --cpu-minutes 30 --threads 1 [--minutes M] [--kimg K] [--samples 10000]
        [--data-root DIR] [--models stylegan_lite dcgan] [--set stylegan_lite:model.style_mixing_prob=0 ...]
    OMP_NUM_THREADS=1 python benchmarks/stylegan_vs_dcgan.py --kimg 0.5 --samples 500   # smoke check
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import torch
from budget import Budget
from report import stylegan_model

from ganzoo.cli import expand_aliases
from ganzoo.lightning_cli import run_cli
from ganzoo.metrics import EvaluationOptions, evaluate

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results" / "stylegan_vs_dcgan.jsonl"
BATCH_SIZE = 64
IMAGE_SIZE = 32


def train(model: str, args: argparse.Namespace, root: str, overrides: Sequence[str] = ()) -> Any:
    """One budgeted ``ganzoo fit`` run, plus ``overrides`` (``KEY=VALUE`` → ``--KEY=VALUE``); returns the
    LightningCLI object (model, datamodule, trainer)."""
    budget = {"class_path": f"{Budget.__module__}.Budget",
              "init_args": {"minutes": args.minutes, "cpu_minutes": args.cpu_minutes, "kimg": args.kimg}}  # fmt: skip
    cli_args = [
        "fit",
        *("--model", model),
        *("--data", "fashion_mnist"),
        f"--data.root={args.data_root}",
        f"--data.image_size={IMAGE_SIZE}",
        f"--data.batch_size={BATCH_SIZE}",
        f"--seed_everything={args.seed}",
        f"--trainer.accelerator={args.accelerator}",
        "--trainer.devices=1",
        "--trainer.max_epochs=-1",
        "--trainer.limit_val_batches=0",
        "--trainer.num_sanity_val_steps=0",
        "--trainer.enable_progress_bar=false",
        "--trainer.enable_model_summary=false",
        f"--trainer.default_root_dir={root}",
        f"--trainer.callbacks+={json.dumps(budget)}",
        "--metrics.metrics=[]",
        "--samples.every_n_epochs=0",  # only the final grid
        *(f"--{arg}" for arg in overrides),
    ]
    return run_cli(expand_aliases(cli_args))


def parse_overrides(items: Sequence[str], models: Sequence[str]) -> dict[str, list[str]]:
    """``MODEL:KEY=VALUE`` items → each model's list of ``KEY=VALUE``."""
    overrides: dict[str, list[str]] = {name: [] for name in models}
    for item in items:
        name, sep, arg = item.partition(":")
        if not sep or name not in overrides or "=" not in arg:
            raise ValueError(f"--set takes MODEL:KEY=VALUE with MODEL one of {list(models)}, got {item!r}")
        overrides[name].append(arg)
    return overrides


def learning_rates(trainer: Any) -> dict[str, float]:
    """The generator's and discriminator's Adam learning rates (defaults change; each row must say which ran)."""
    opt_g, opt_d = trainer.optimizers[:2]
    return {"g": opt_g.defaults["lr"], "d": opt_d.defaults["lr"]}


def commit() -> str:
    out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=REPO)
    return out.stdout.strip() or "unknown"


def main(argv: Sequence[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=None, help="wall-clock training-time budget per model")
    parser.add_argument(
        "--cpu-minutes",
        type=float,
        default=None,
        help="CPU-time budget per model (fair on a shared machine; use with --threads 1)",
    )
    parser.add_argument("--kimg", type=float, default=None, help="budget per model in thousands of real images")
    parser.add_argument("--samples", type=int, default=10_000, help="generated images for the FID (default 10k)")
    default_root = os.environ.get("GANZOO_DATA_ROOT") or str(REPO.parent / "shared" / "data")
    parser.add_argument("--data-root", default=default_root, help=f"holds FashionMNIST/ (default {default_root})")
    parser.add_argument("--models", nargs="+", default=["stylegan_lite", "dcgan"])
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="MODEL:KEY=VALUE",
        help="an extra ganzoo fit argument for one model, e.g. stylegan_lite:model.mapping_layers=2 (repeatable)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: torch's choice)")
    parser.add_argument("--accelerator", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument(
        "--out", type=Path, default=RESULTS, help=f"JSON lines file (default {RESULTS.relative_to(REPO)})"
    )
    args = parser.parse_args(argv)
    if args.minutes is None and args.kimg is None and args.cpu_minutes is None:
        parser.error("give a budget: --minutes, --cpu-minutes and/or --kimg")
    if not (Path(args.data_root) / "FashionMNIST").is_dir():
        parser.error(f"no FashionMNIST/ under {args.data_root}; give --data-root or set GANZOO_DATA_ROOT")
    try:
        overrides = parse_overrides(args.set, args.models)
    except ValueError as error:
        parser.error(str(error))
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.accelerator)
    device_name = (
        torch.cuda.get_device_name(device) if device.type == "cuda" else f"cpu ({torch.get_num_threads()} threads)"
    )

    rows, features_memory, sha = [], {}, commit()
    with tempfile.TemporaryDirectory(prefix="ganzoo-stylegan-vs-dcgan-") as root:
        for name in args.models:
            cli = train(name, args, root, overrides[name])
            model, dm = cli.model, cli.datamodule
            budget = next(cb for cb in cli.trainer.callbacks if isinstance(cb, Budget))
            print(f"{name}: trained {model.images_seen / 1000:.1f} kimg in {budget.seconds:.0f} s", file=sys.stderr)
            batch = 500 if device.type == "cpu" else 1000
            options = EvaluationOptions("lenet", n_fake=args.samples, n_real=None, batch_size=batch, seed=args.seed)
            (record,) = evaluate(model, dm, ["fid"], options, memory=features_memory)
            row = {
                "model": name,
                "overrides": overrides[name],
                "kimg": round(model.images_seen / 1000, 3),
                "g_steps": model.g_steps,
                "lr": learning_rates(cli.trainer),
                "seconds": round(budget.seconds, 1),
                "cpu_seconds": round(budget.cpu_seconds, 1),
                "images_per_s": round(model.images_seen / budget.seconds, 1) if budget.seconds else math.nan,
                "metric": record["metric"],
                "fid": record["value"],
                "ema": record["ema"],
                "budget_minutes": args.minutes,
                "budget_cpu_minutes": args.cpu_minutes,
                "budget_kimg": args.kimg,
                "samples": args.samples,
                "data": f"fashion_mnist {IMAGE_SIZE}x{IMAGE_SIZE}, batch {BATCH_SIZE}",
                "seed": args.seed,
                "device": device_name,
                "torch": torch.__version__,
                "commit": sha,
                "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            }
            rows.append(row)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("a") as f:
        f.writelines(json.dumps(row) + "\n" for row in rows)

    budget_text = " and ".join(
        text
        for text, given in (
            (f"{args.minutes} min", args.minutes),
            (f"{args.cpu_minutes} CPU min", args.cpu_minutes),
            (f"{args.kimg} kimg", args.kimg),
        )
        if given
    )
    print(f"\nFashion-MNIST {IMAGE_SIZE}×{IMAGE_SIZE}, budget {budget_text} per model, {device_name}; "
          f"FID on small-CNN features, {args.samples:,} samples vs the 10k test images\n")  # fmt: skip
    print("| model | kimg | seconds | img/s | fid_lenet |\n|---|---|---|---|---|")
    for r in rows:
        name = stylegan_model(r)
        print(f"| {name} | {r['kimg']:.1f} | {r['seconds']:.0f} | {r['images_per_s']:.0f} | {r['fid']:.2f} |")
    print(f"\nappended {len(rows)} lines to {args.out}")
    return rows


if __name__ == "__main__":
    main()
