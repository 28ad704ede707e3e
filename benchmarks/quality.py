"""Sample quality of every image variant as it trains: small-CNN FID curves on Fashion-MNIST and MNIST.

Protocol
--------
Each model is trained by the real ``ganzoo fit`` (``ganzoo.lightning_cli.run_cli``) with its packaged defaults, on
32×32 images, batch 64, seed 0, until it has seen ``--kimg`` thousand real images (discriminator batches: the budget
is data, as in the StyleGAN papers' kimg; models with several critic steps per generator step, WGAN and WGAN-GP,
get ``--critic-factor`` times that budget, since a fifth of their batches move the generator). Along the way, every
``--every-kimg`` thousand images (``ganzoo fit``'s own ``Evaluation`` callback, training epochs of that length), the
small-CNN (``lenet``) FID of ``--samples`` generated images against the first 10,000 test images, from the EMA
generator where the model keeps one, with the same latents each time; each point also records the training's wall
and CPU time so far (evaluation excluded). At the end: KID and IS too, and Inception FID (``fid_inception``) of
``--inception-samples`` images when that is > 0 and the FID weights are available (``GANZOO_INCEPTION_WEIGHTS`` or
torchmetrics' download).

Resumable per (model, dataset): a finished one has a row in ``benchmarks/results/quality.jsonl`` with the same
protocol that trained at least as far (its ``kimg``: the ``Budget`` callback stops at the first batch that reaches the
budget) and is skipped; an interrupted one resumes from its last checkpoint under ``--workdir``, curve and clock
included. A variant still improving at the end of its budget can be given a longer one (``--models unrolled_gan --kimg
900``), which goes on from the shorter run's checkpoint when ``--workdir`` still holds it; the table and the plot show
each variant's longest run, so the length is a per-row fact, not part of the protocol. ``--plot`` draws FID against
kimg and against CPU minutes, one line per variant.

CycleGAN is trained on MNIST↔USPS from ``configs/cyclegan_mnist_usps.yaml`` (its LR schedule sets the budget: the
images per domain its epochs span) and gets its row from the label-preservation accuracy of its translations
(``ganzoo.metrics.translation``), not from FID/IS.

Appends one JSON line per (model, dataset) to ``benchmarks/results/quality.jsonl`` (``--quick``: ``--out``'s
default is ``benchmarks/results/ci/quality_quick.jsonl``) and prints a markdown table (also written to ``--markdown``).

    python benchmarks/quality.py [--quick] [--models dcgan wgan_gp ...] [--datasets fashion_mnist mnist]
                                 [--kimg 300] [--every-kimg 30] [--samples 10000] [--plot docs/quality.png]
                                 [--table-only]
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import torch
from budget import Budget, Clock, commit, last_checkpoint, load_rows

from ganzoo import allocator
from ganzoo.cli import expand_aliases
from ganzoo.lightning_cli import run_cli
from ganzoo.metrics import EvaluationOptions, evaluate
from ganzoo.models import GAN, TranslationGAN
from ganzoo.registry import models

REPO = Path(__file__).resolve().parents[1]
DATASETS = ("fashion_mnist", "mnist")
#: The variants trained on MNIST as well (the others on Fashion-MNIST only, unless ``--datasets`` says otherwise).
MNIST_MODELS = ("cgan", "dcgan")
BATCH = 64
CYCLEGAN_CONFIG = REPO / "configs" / "cyclegan_mnist_usps.yaml"


def config_kimg(path: Path) -> float:
    """Thousand images per domain that a config's schedule spans: epochs × batches per epoch × batch size."""
    import yaml

    config = yaml.safe_load(path.read_text())
    trainer, data = config["trainer"], config["data"]["init_args"]
    return trainer["max_epochs"] * trainer["limit_train_batches"] * data["batch_size"] / 1000


CYCLEGAN_KIMG = config_kimg(CYCLEGAN_CONFIG)


def critic_steps(model: str) -> int:
    """The model's default discriminator steps per generator step (its signature's, else 1)."""
    parameter = inspect.signature(models()[model].cls).parameters.get("n_critic")
    return parameter.default if parameter is not None and isinstance(parameter.default, int) else 1


def budget_kimg(model: str, args: argparse.Namespace) -> float:
    if model == "cyclegan":  # its config's LR schedule sets its length; --quick stops after a quarter of --kimg
        return args.kimg / 4 if args.quick else CYCLEGAN_KIMG
    return args.kimg * (args.critic_factor if critic_steps(model) > 1 else 1)


def train(
    model: str, data: str, kimg: float, args: argparse.Namespace, workdir: Path, config: Path | None = None
) -> tuple[Any, Any, Clock]:
    """Runs (or resumes) ``ganzoo fit`` for ``kimg`` thousand images (from ``config`` if given, else the defaults at
    32×32, batch 64), evaluating FID along the way unless a config is given; returns (model, datamodule, clock)."""
    stopper = {"class_path": f"{Budget.__module__}.Budget", "init_args": {"kimg": kimg}}
    clock = {"class_path": f"{Clock.__module__}.Clock", "init_args": {"log_file": str(workdir / "clock.jsonl")}}
    if config:
        setup, metrics = ["--config", str(config)], ["--metrics.metrics", "[]"]
    else:
        setup = ["--model", model, "--data", data, "--data.image_size", "32", "--data.batch_size", str(BATCH),
                 "--trainer.limit_train_batches", str(max(1, round(args.every_kimg * 1000 / BATCH)))]  # fmt: skip
        metrics = [*("--metrics.metrics", "[fid]", "--metrics.feature", "lenet", "--metrics.every_n_epochs", "1"),
                   *("--metrics.n_fake", str(args.samples), "--metrics.n_real", "10000", "--metrics.split", "test"),
                   *("--metrics.seed", str(args.seed))]  # fmt: skip
    resume = last_checkpoint(workdir)
    cli = run_cli(
        expand_aliases(
            [
                "fit",
                *setup,
                *metrics,
                *("--data.root", args.data_root),
                *("--trainer.accelerator", args.accelerator),
                *("--trainer.devices", "1"),
                *("--trainer.max_epochs", "-1"),
                *("--trainer.limit_val_batches", "0"),
                *("--trainer.enable_progress_bar", "false"),
                *("--trainer.enable_model_summary", "false"),
                *("--trainer.default_root_dir", str(workdir)),
                f"--trainer.callbacks+={json.dumps(stopper)}",
                f"--trainer.callbacks+={json.dumps(clock)}",
                *("--seed_everything", str(args.seed)),
                *(("--ckpt_path", str(resume)) if resume else ()),
            ]
        )
    )
    return cli.model, cli.datamodule, next(cb for cb in cli.trainer.callbacks if isinstance(cb, Clock))


def curve(workdir: Path) -> list[dict[str, float]]:
    """The FID points of a run (every sitting's ``metrics.jsonl``), each with the training time spent to reach it."""
    times = {r["g_steps"]: r for r in load_rows(workdir / "clock.jsonl")}
    points = {}
    for path in sorted(workdir.glob("*/version_*/metrics.jsonl")):
        for r in load_rows(path):
            if r["metric"].startswith("fid_lenet") and r["g_steps"] in times:
                clock = times[r["g_steps"]]
                points[r["g_steps"]] = {"kimg": r["kimg"], "g_steps": r["g_steps"], "fid": r["value"],
                                        "minutes": round(clock["seconds"] / 60, 2),
                                        "cpu_minutes": round(clock["cpu_seconds"] / 60, 2)}  # fmt: skip
    return [points[k] for k in sorted(points)]


def image_row(model: str, data: str, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    net, dm, clock = train(model, data, budget_kimg(model, args), args, workdir)
    points = curve(workdir)
    best = min(points, key=lambda p: p["fid"])
    row: dict[str, Any] = {"model": model, "data": data, "kimg": net.images_seen / 1000, "g_steps": net.g_steps}
    row |= {"samples": args.samples, "seconds": round(clock.seconds, 1), "cpu_seconds": round(clock.cpu_seconds, 1),
            "img_per_s": round(net.images_seen / clock.seconds, 1), "curve": points,
            "fid": points[-1]["fid"], "best_fid": best["fid"], "best_kimg": best["kimg"]}  # fmt: skip
    net.eval()
    options = EvaluationOptions(feature="lenet", n_fake=args.samples, n_real=10_000, split="test", seed=args.seed)
    for record in evaluate(net, dm, ["kid", "is"], options):
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


def cyclegan_row(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    # Two generators and two discriminators, trained from the CPU-sized config.
    kimg = budget_kimg("cyclegan", args)
    net, dm, clock = train("cyclegan", "mnist_usps", kimg, args, workdir, config=CYCLEGAN_CONFIG)
    row: dict[str, Any] = {"model": "cyclegan", "data": "mnist_usps", "kimg": net.images_seen / 1000}
    row |= {"g_steps": net.g_steps, "seconds": round(clock.seconds, 1),
            "img_per_s": round(net.images_seen / clock.seconds, 1)}  # fmt: skip
    net.eval()
    for record in evaluate(net, dm, options=EvaluationOptions(n_real=args.samples)):
        row[record["metric"]] = record["value"]
    return row


def has_run(rows: list[dict[str, Any]], model: str, data: str, budget: float) -> bool:
    """Whether ``rows`` (of one protocol) hold a finished run of (model, data) that saw at least ``budget`` kimg."""
    return any((r["model"], r["data"]) == (model, data) and r["kimg"] >= budget for r in rows)


def longest_runs(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per (model, data, protocol), the row that trained longest (the latest of equals): a longer run of the same
    protocol supersedes a shorter one, while quality.jsonl keeps the history."""
    chosen: dict[tuple[str, str, str], dict[str, Any]] = {}
    for r in rows:
        key = (r["model"], r["data"], r["protocol"])
        if key not in chosen or r["kimg"] >= chosen[key]["kimg"]:
            chosen[key] = r
    return list(chosen.values())


def fmt(value: Any, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}" if isinstance(value, float) else str(value)


def table(rows: list[dict[str, Any]], samples: int) -> str:
    """Best and final small-CNN FID of each run, where the best was reached, and what the run cost (in CPU time:
    wall time on a shared machine says more about the neighbours than about the model)."""
    k = f"{samples // 1000}k" if samples >= 1000 else str(samples)
    lines = [
        f"| model | data | best FID (lenet, {k}) | at kimg | final FID | kimg | KID | IS | CPU minutes | img/CPU s |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in sorted((r for r in rows if "curve" in r), key=lambda r: (r["data"], r["best_fid"])):
        kid = next((v for key, v in r.items() if key.startswith("kid_lenet")), None)
        is_ = next((v for key, v in r.items() if key.startswith("is_lenet")), None)
        lines.append(
            f"| {r['model']} | {r['data']} | {fmt(r['best_fid'])} | {r['best_kimg']:.0f} | {fmt(r['fid'])}"
            f" | {r['kimg']:.0f} | {fmt(kid, 2)} | {fmt(is_, 2)} | {r['cpu_seconds'] / 60:.0f}"
            f" | {r['kimg'] * 1000 / r['cpu_seconds']:.0f} |"
        )
    for r in (r for r in rows if r["model"] == "cyclegan"):
        acc = {key: v for key, v in r.items() if key.startswith(("acc_", "fid_"))}
        lines.append("\nCycleGAN, MNIST↔USPS, label preservation under the target domain's classifier:\n")
        lines.append("| measure | value |\n|---|---|")
        lines.extend(f"| {key} | {v:.4f} |" for key, v in acc.items())
    return "\n".join(lines)


def plot(rows: list[dict[str, Any]], path: Path, samples: int) -> None:
    """FID against kimg and against CPU minutes, one line per (model, data)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    fig, (by_kimg, by_cpu) = plt.subplots(1, 2, figsize=(11, 4.5), sharey=True)
    for r in sorted((r for r in rows if "curve" in r), key=lambda r: (r["data"], r["model"])):
        label = r["model"] if r["data"] == "fashion_mnist" else f"{r['model']} ({r['data']})"
        style = "-" if r["data"] == "fashion_mnist" else "--"
        fids = [p["fid"] for p in r["curve"]]
        line = by_kimg.plot([p["kimg"] for p in r["curve"]], fids, style, marker=".", label=label)[0]
        by_cpu.plot([p["cpu_minutes"] for p in r["curve"]], fids, style, marker=".", color=line.get_color())
    ylabel = f"FID (small CNN, {samples:,} vs 10,000 test)"
    by_kimg.set(xlabel="thousand real images seen (kimg)", ylabel=ylabel, yscale="log")
    by_cpu.set(xlabel="training CPU minutes", xscale="log")
    by_kimg.legend(fontsize=7, ncol=2)
    plain = matplotlib.ticker.FuncFormatter(lambda value, _: f"{value:g}")  # 40, not 4 × 10¹
    for axis in (by_kimg.yaxis, by_cpu.xaxis):
        axis.set_minor_locator(matplotlib.ticker.LogLocator(subs=(2, 5)))  # labels at 1, 2, 5: none overlap
        axis.set_major_formatter(plain)
        axis.set_minor_formatter(plain)
    for ax in (by_kimg, by_cpu):
        ax.grid(alpha=0.3, which="both")
    fig.suptitle("Fashion-MNIST 32×32 (MNIST dashed), ganzoo fit defaults, seed 0")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100, metadata={"Software": None})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    registered = models()
    image_models = [m for m, entry in registered.items() if issubclass(entry.cls, GAN)]
    translation_models = [m for m, entry in registered.items() if issubclass(entry.cls, TranslationGAN)]
    parser.add_argument("--quick", action="store_true", help="1 kimg, 1,000 samples, MNIST: a smoke check")
    parser.add_argument("--models", nargs="+", default=[*image_models, *translation_models])
    parser.add_argument("--datasets", nargs="+", choices=DATASETS, default=None,
                        help=f"default: Fashion-MNIST, and MNIST for {', '.join(MNIST_MODELS)}")  # fmt: skip
    parser.add_argument("--kimg", type=float, default=300.0,
                        help="training budget: thousands of real images seen (× --critic-factor for n_critic > 1)")
    parser.add_argument("--critic-factor", type=float, default=2.0, help="budget multiplier for n_critic > 1 models")
    parser.add_argument("--every-kimg", type=float, default=30.0, help="thousand images between two FID points")
    parser.add_argument("--samples", type=int, default=10_000, help="generated images for the small-CNN metrics")
    parser.add_argument("--inception-samples", type=int, default=0, help="Inception FID sample size (0: skip)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--accelerator", default="cpu")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--data-root", default=os.environ.get("GANZOO_DATA_ROOT", str(REPO.parent / "shared" / "data")))
    parser.add_argument("--workdir", type=Path, default=REPO / "runs" / "quality", help="runs, kept for resuming")
    parser.add_argument("--out", default=None, help="JSON lines file to append to")
    parser.add_argument("--markdown", default=None, help="also write the table to this file")
    parser.add_argument("--plot", type=Path, default=None, help="PNG of the FID curves of the stored rows")
    parser.add_argument("--table-only", action="store_true", help="table (and --plot) of the stored rows; no training")
    args = parser.parse_args()
    if args.quick:
        args.kimg, args.every_kimg, args.samples, args.datasets = 1.0, 0.5, 1000, ["mnist"]
        args.workdir = Path(tempfile.mkdtemp(prefix="quality-"))
    if args.threads:
        torch.set_num_threads(args.threads)
    unknown = [m for m in args.models if m not in registered]
    if unknown:
        sys.exit(f"quality.py: unknown models {unknown}; choose from {list(registered)}")
    default_out = "ci/quality_quick.jsonl" if args.quick else "quality.jsonl"
    out = Path(args.out or REPO / "benchmarks" / "results" / default_out)
    out.parent.mkdir(parents=True, exist_ok=True)
    device = torch.cuda.get_device_name() if args.accelerator in ("gpu", "cuda") else f"cpu ({os.cpu_count()} cores)"
    protocol = (
        f"ganzoo fit defaults, 32x32, batch {BATCH}, seed {args.seed}; small-CNN FID every {args.every_kimg:g} kimg "
        f"on {args.samples} samples vs 10k test; EMA G where kept; trained to the kimg column"
    )
    cycle_kimg = budget_kimg("cyclegan", args)
    cycle_protocol = (
        f"configs/cyclegan_mnist_usps.yaml, {cycle_kimg:g} kimg per domain, seed {args.seed}; label preservation "
        f"and small-CNN FID on up to {args.samples} test images per domain"
    )
    stored = [r for r in load_rows(out) if r.get("protocol") in (protocol, cycle_protocol)]
    for model in [] if args.table_only else args.models:
        if model in translation_models:
            datasets = ["mnist_usps"]
        else:
            datasets = args.datasets or ["fashion_mnist", *(["mnist"] if model in MNIST_MODELS else [])]
        for data in datasets:
            if has_run(stored, model, data, budget_kimg(model, args)):
                continue
            workdir = args.workdir / f"{model}-{data}"
            row = cyclegan_row(args, workdir) if model == "cyclegan" else image_row(model, data, args, workdir)
            row |= {
                "protocol": cycle_protocol if model == "cyclegan" else protocol,
                "threads": torch.get_num_threads(), "allocator": allocator.setting(), "commit": commit(),
                "device": device, "torch": torch.__version__,
                "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            }  # fmt: skip
            print(json.dumps(row), flush=True)
            with out.open("a") as f:
                f.write(json.dumps(row) + "\n")
    rows = longest_runs([r for r in load_rows(out) if r.get("protocol") in (protocol, cycle_protocol)])
    text = f"{protocol}; {device}\n\n{table(rows, args.samples)}"
    print("\n" + text)
    if args.markdown:
        Path(args.markdown).parent.mkdir(parents=True, exist_ok=True)
        Path(args.markdown).write_text(text + "\n")
    if args.plot:
        plot(rows, args.plot, args.samples)


if __name__ == "__main__":
    main()
