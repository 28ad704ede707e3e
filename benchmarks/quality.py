"""Sample quality of every image variant under one fixed training budget, on MNIST and Fashion-MNIST.

Protocol
--------
Each model is trained by the real ``ganzoo fit`` (``ganzoo.lightning_cli.run_cli``) with its packaged defaults, on
32×32 images, batch 64, seed 0, until it has seen ``--kimg`` thousand real images (discriminator batches, so a
WGAN with 5 critic steps makes a fifth of the generator steps of a DCGAN: the budget is data, as in the StyleGAN
papers' kimg). No validation, no metrics during training. Then, from the EMA generator where the model keeps one:

* small-CNN (``lenet``) FID, KID and IS of ``--samples`` generated images against the first 10,000 test images;
* Inception FID (``fid_inception``) of ``--inception-samples`` images, when that is > 0 and the FID weights are
  available (``GANZOO_INCEPTION_WEIGHTS`` or torchmetrics' download); about 5 images/s on 2 CPU cores, so it is
  meant for a GPU;
* training images/s (images seen / training time from the first batch, Lightning's per-step work included) and
  that time.

CycleGAN is trained on MNIST↔USPS from ``configs/cyclegan_mnist_usps.yaml`` (its LR schedule sets the budget: the
images per domain its epochs span) and gets its row from the label-preservation accuracy of its translations
(``ganzoo.metrics.translation``), not from FID/IS.

Appends one JSON line per (model, dataset) to ``benchmarks/results/quality.jsonl`` (``--quick``: ``--out``'s
default is ``benchmarks/results/ci/quality_quick.jsonl``) and prints a markdown table (also written to ``--markdown``).

    python benchmarks/quality.py [--quick] [--models dcgan wgan_gp ...] [--datasets mnist fashion_mnist]
                                 [--kimg 60] [--samples 10000] [--accelerator cpu|gpu] [--data-root DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import torch
from budget import Budget

from ganzoo.cli import expand_aliases
from ganzoo.lightning_cli import run_cli
from ganzoo.metrics import EvaluationOptions, evaluate
from ganzoo.models import GAN, TranslationGAN
from ganzoo.registry import models

REPO = Path(__file__).resolve().parents[1]
DATASETS = ("mnist", "fashion_mnist")
#: Image variants trained on one dataset (CycleGAN, which translates between two, is handled apart).
CYCLEGAN_CONFIG = REPO / "configs" / "cyclegan_mnist_usps.yaml"


def config_kimg(path: Path) -> float:
    """Thousand images per domain that a config's schedule spans: epochs × batches per epoch × batch size."""
    import yaml

    config = yaml.safe_load(path.read_text())
    trainer, data = config["trainer"], config["data"]["init_args"]
    return trainer["max_epochs"] * trainer["limit_train_batches"] * data["batch_size"] / 1000


CYCLEGAN_KIMG = config_kimg(CYCLEGAN_CONFIG)


def train(
    model: str, data: str, args: argparse.Namespace, workdir: str, config: Path | None = None
) -> tuple[Any, Any, float]:
    """Runs ``ganzoo fit`` on the budget (from ``config`` if given, else the defaults at 32×32, batch 64); returns
    (model, datamodule, fit seconds)."""
    stopper = {"class_path": f"{Budget.__module__}.Budget", "init_args": {"kimg": args.kimg}}
    setup = ["--config", str(config)] if config else ["--model", model, "--data", data, "--data.image_size", "32",
                                                      "--data.batch_size", "64"]  # fmt: skip
    cli = run_cli(
        expand_aliases(
            [
                "fit",
                *setup,
                *("--data.root", args.data_root),
                *("--trainer.accelerator", args.accelerator),
                *("--trainer.devices", "1"),
                *("--trainer.max_epochs", "-1"),
                *("--trainer.limit_val_batches", "0"),
                *("--trainer.enable_progress_bar", "false"),
                *("--trainer.enable_model_summary", "false"),
                *("--trainer.default_root_dir", workdir),
                f"--trainer.callbacks+={json.dumps(stopper)}",
                *("--metrics.metrics", "[]"),
                *("--seed_everything", str(args.seed)),
            ]
        )
    )
    timer = next(cb for cb in cli.trainer.callbacks if isinstance(cb, Budget))
    return cli.model, cli.datamodule, timer.seconds


def image_row(model: str, data: str, args: argparse.Namespace, workdir: str) -> dict[str, Any]:
    net, dm, seconds = train(model, data, args, workdir)
    row: dict[str, Any] = {"model": model, "data": data, "kimg": net.images_seen / 1000, "g_steps": net.g_steps}
    row |= {"seconds": round(seconds, 1), "img_per_s": round(net.images_seen / seconds, 1)}
    net.eval()
    options = EvaluationOptions(feature="lenet", n_fake=args.samples, n_real=10_000, split="test", seed=args.seed)
    for record in evaluate(net, dm, ["fid", "kid", "is"], options):
        row[record["metric"]] = record["value"]
        row["ema"] = record["ema"]
    if args.inception_samples:
        try:
            options = EvaluationOptions(feature="inception", n_fake=args.inception_samples,
                                        n_real=args.inception_samples, split="test", seed=args.seed)  # fmt: skip
            for record in evaluate(net, dm, ["fid"], options):
                row[record["metric"]] = record["value"]
        except Exception as err:  # noqa: BLE001  (weights missing offline: say so in the row, keep the rest)
            row["inception_error"] = str(err).splitlines()[0]
    return row


def cyclegan_row(args: argparse.Namespace, workdir: str) -> dict[str, Any]:
    # Two generators and two discriminators: trained from the CPU-sized config for the images its LR schedule spans;
    # --quick stops after a quarter of its own budget.
    budget = argparse.Namespace(**{**vars(args), "kimg": args.kimg / 4 if args.quick else CYCLEGAN_KIMG})
    net, dm, seconds = train("cyclegan", "mnist_usps", budget, workdir, config=CYCLEGAN_CONFIG)
    row: dict[str, Any] = {"model": "cyclegan", "data": "mnist_usps", "kimg": net.images_seen / 1000}
    row |= {"g_steps": net.g_steps, "seconds": round(seconds, 1), "img_per_s": round(net.images_seen / seconds, 1)}
    net.eval()
    for record in evaluate(net, dm, options=EvaluationOptions(n_real=args.samples)):
        row[record["metric"]] = record["value"]
    return row


def fmt(value: Any, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}" if isinstance(value, float) else str(value)


def table(rows: list[dict[str, Any]], samples: int) -> str:
    k = f"{samples // 1000}k" if samples >= 1000 else str(samples)
    lines = [
        f"| model | data | kimg | FID (lenet, {k}) | KID (lenet) | IS (lenet) | FID (Inception) | img/s | minutes |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        if r["model"] == "cyclegan":
            continue
        fid = next((v for key, v in r.items() if key.startswith("fid_lenet")), None)
        kid = next((v for key, v in r.items() if key.startswith("kid_lenet")), None)
        is_ = next((v for key, v in r.items() if key.startswith("is_lenet")), None)
        inc = next((v for key, v in r.items() if key.startswith("fid_") and "lenet" not in key), None)
        lines.append(
            f"| {r['model']} | {r['data']} | {r['kimg']:g} | {fmt(fid)} | {fmt(kid)}"
            f" | {fmt(is_)} | {fmt(inc) if inc is not None else 'not run'} | {fmt(r['img_per_s'], 0)}"
            f" | {r['seconds'] / 60:.1f} |"
        )
    for r in (r for r in rows if r["model"] == "cyclegan"):
        acc = {key: v for key, v in r.items() if key.startswith(("acc_", "fid_"))}
        lines.append("\nCycleGAN, MNIST↔USPS, label preservation under the target domain's classifier:\n")
        lines.append("| measure | value |\n|---|---|")
        lines.extend(f"| {key} | {v:.4f} |" for key, v in acc.items())
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    registered = models()
    image_models = [m for m, entry in registered.items() if issubclass(entry.cls, GAN)]
    translation_models = [m for m, entry in registered.items() if issubclass(entry.cls, TranslationGAN)]
    parser.add_argument("--quick", action="store_true", help="1 kimg, 1,000 samples, MNIST: a smoke check")
    parser.add_argument("--models", nargs="+", default=[*image_models, *translation_models])
    parser.add_argument("--datasets", nargs="+", choices=DATASETS, default=list(DATASETS))
    parser.add_argument("--kimg", type=float, default=60.0, help="training budget: thousands of real images seen")
    parser.add_argument("--samples", type=int, default=10_000, help="generated images for the small-CNN metrics")
    parser.add_argument("--inception-samples", type=int, default=0, help="Inception FID sample size (0: skip)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--accelerator", default="cpu")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--data-root", default=os.environ.get("GANZOO_DATA_ROOT", str(REPO.parent / "shared" / "data")))
    parser.add_argument("--out", default=None, help="JSON lines file to append to")
    parser.add_argument("--markdown", default=None, help="also write the table to this file")
    args = parser.parse_args()
    if args.quick:
        args.kimg, args.samples, args.datasets = 1.0, 1000, ["mnist"]
    if args.threads:
        torch.set_num_threads(args.threads)
    unknown = [m for m in args.models if m not in registered]
    if unknown:
        sys.exit(f"quality.py: unknown models {unknown}; choose from {list(registered)}")
    default_out = "ci/quality_quick.jsonl" if args.quick else "quality.jsonl"
    out = Path(args.out or REPO / "benchmarks" / "results" / default_out)
    out.parent.mkdir(parents=True, exist_ok=True)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=REPO)
    device = torch.cuda.get_device_name() if args.accelerator in ("gpu", "cuda") else f"cpu ({os.cpu_count()} cores)"
    protocol = (
        f"ganzoo fit defaults, 32x32, batch 64, {args.kimg:g} kimg, seed {args.seed}; small-CNN metrics on "
        f"{args.samples} samples vs 10k test; EMA G where kept"
    )
    cycle_kimg = args.kimg / 4 if args.quick else CYCLEGAN_KIMG
    cycle_protocol = (
        f"configs/cyclegan_mnist_usps.yaml, {cycle_kimg:g} kimg per domain, seed {args.seed}; label preservation "
        f"and small-CNN FID on up to {args.samples} test images per domain"
    )
    rows = []
    with tempfile.TemporaryDirectory() as workdir:
        for model in args.models:
            datasets = ["mnist_usps"] if model == "cyclegan" else args.datasets
            for data in datasets:
                row = cyclegan_row(args, workdir) if model == "cyclegan" else image_row(model, data, args, workdir)
                row |= {
                    "protocol": cycle_protocol if model == "cyclegan" else protocol,
                    "threads": torch.get_num_threads(), "commit": commit.stdout.strip(), "device": device,
                    "torch": torch.__version__, "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                }  # fmt: skip
                rows.append(row)
                print(json.dumps(row), flush=True)
                with out.open("a") as f:
                    f.write(json.dumps(row) + "\n")
    text = f"{protocol}; commit {commit.stdout.strip()}; {device}\n\n{table(rows, args.samples)}"
    print("\n" + text)
    if args.markdown:
        Path(args.markdown).parent.mkdir(parents=True, exist_ok=True)
        Path(args.markdown).write_text(text + "\n")


if __name__ == "__main__":
    main()
