"""Lucic et al. (2018), "Are GANs Created Equal?": their MNIST and Fashion-MNIST FID table, reproduced with ganzoo.

    python benchmarks/lucic2018.py [--models ns_gan wgan ...] [--datasets mnist fashion_mnist] [--seeds 0 1 2]
                                   [--quick] [--data-root DIR] [--weights FILE] [--table-only]

Protocol (theirs, from the paper and google/compare_gan v1): the InfoGAN-style networks at 28×28 for every model
(``--model.backbone infogan``), batch 64, z of 64 dimensions, 20 epochs of the 60,000 training images counted in
discriminator batches (18,740 D steps; G steps = D steps / n_critic); FID between the 10,000 test images and 10,000
generated ones, grey tiled to 3 channels, TF Inception pool3 (``fid_10k_test``; ganzoo's Inception is the same
network, run by the engine recorded in each row). Each model's settings are in ``configs/lucic2018/<model>_<data>.yaml``
(sources: ``configs/lucic2018/README.md``): one setting per model, where the published numbers are the best of a
100-point hyper-parameter search, so ganzoo's rows are not expected to beat theirs.

Resumable per (model, dataset, seed) and settings (``settings``: a digest of the parsed config): each run trains in
``--workdir``/<model>_<data>_seed<seed>_<settings>, with a checkpoint every epoch; a run cut off resumes from its last
checkpoint (its clock too: wall and CPU time are kept in the checkpoint), and one with a row of the same settings in
``benchmarks/results/lucic2018.jsonl`` is not run again. Rows of earlier settings stay in the file, out of the table.
Every finished seed appends one JSON line (seed, commit, engine, wall and CPU time). The table (mean ± standard
deviation over the seeds present, beside the published best) is printed at the end and by ``make report``.
``--quick`` (CI): 1 kimg, small-CNN FID on 500 images, rows under ``results/ci/``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml
from budget import Clock, last_checkpoint, load_rows, run_record

from ganzoo.lightning_cli import run_cli
from ganzoo.metrics import EvaluationOptions, evaluate

REPO = Path(__file__).resolve().parents[1]
CONFIGS = REPO / "configs" / "lucic2018"
RESULTS = REPO / "benchmarks" / "results" / "lucic2018.jsonl"
DATASETS = ("mnist", "fashion_mnist")
#: Lucic et al. 2018, Table 2 (best FID per model; ± the spread over restarts of the best setting).
PUBLISHED: dict[str, dict[str, tuple[float, float]]] = {
    "mm_gan": {"mnist": (9.8, 0.9), "fashion_mnist": (29.6, 1.6)},
    "ns_gan": {"mnist": (6.8, 0.5), "fashion_mnist": (26.5, 1.6)},
    "lsgan": {"mnist": (7.8, 0.6), "fashion_mnist": (30.7, 2.2)},
    "wgan": {"mnist": (6.7, 0.4), "fashion_mnist": (21.5, 1.6)},
    "wgan_gp": {"mnist": (20.3, 5.0), "fashion_mnist": (24.5, 2.1)},
    "dragan": {"mnist": (7.6, 0.4), "fashion_mnist": (27.7, 1.2)},
}
#: The issue's bar: within 1.5× of the published best.
BAR = 1.5
WEIGHTS = REPO.parent / "shared" / "data" / "fid" / "pt_inception-2015-12-05-nofc-fidhelper.pth"


def config(model: str, data: str) -> Path:
    return CONFIGS / f"{model}_{data}.yaml"


def settings(text: str) -> str:
    """A digest of a config's settings, parsed so that comments and layout do not count."""
    canonical = json.dumps(yaml.safe_load(text), sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()[:12]


def config_settings(model: str, data: str) -> str | None:
    """The settings digest of the model's config as it is now (None if there is no such config)."""
    path = config(model, data)
    return settings(path.read_text()) if path.is_file() else None


def current(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows measured with the settings their config holds now; the others stay in the results file as history
    (and their (model, dataset, seed) is run again)."""
    now = {key: config_settings(*key) for key in {(r["model"], r["data"]) for r in rows}}
    return [r for r in rows if r.get("settings") is not None and r.get("settings") == now[r["model"], r["data"]]]


def train(model: str, data: str, seed: int, args: argparse.Namespace, workdir: Path) -> tuple[Any, Any, Clock]:
    """``ganzoo fit`` from the model's config (resumed from its last checkpoint when there is one)."""
    extra = []
    if args.quick:
        extra.append('--trainer.callbacks+={"class_path": "budget.Budget", "init_args": {"kimg": 1}}')
    resume = last_checkpoint(workdir)
    cli = run_cli(
        [
            "fit",
            *("--config", str(config(model, data))),
            *("--data.root", args.data_root),
            *("--seed_everything", str(seed)),
            *("--trainer.default_root_dir", str(workdir)),
            *("--trainer.enable_progress_bar", "false"),
            *("--trainer.enable_model_summary", "false"),
            *("--metrics.metrics", "[]"),
            '--trainer.callbacks+={"class_path": "budget.Clock"}',
            *extra,
            *(("--ckpt_path", str(resume)) if resume else ()),
        ]
    )
    clock = next(cb for cb in cli.trainer.callbacks if isinstance(cb, Clock))
    return cli.model, cli.datamodule, clock


def run(model: str, data: str, seed: int, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    net, dm, clock = train(model, data, seed, args, workdir)
    net.eval()
    feature = "lenet" if args.quick else "inception"
    n = 500 if args.quick else 10_000
    options = EvaluationOptions(feature=feature, n_fake=n, n_real=n, split="test", seed=seed,
                                inception_weights=args.weights)  # fmt: skip
    start = time.perf_counter()
    (record,) = evaluate(net, dm, ["fid"], options)
    return {
        "model": model,
        "data": data,
        "seed": seed,
        "config": str(config(model, data).relative_to(REPO)),
        "settings": config_settings(model, data),
        "metric": record["metric"],
        "fid": record["value"],
        "engine": record.get("engine"),
        **run_record(net, clock, time.perf_counter() - start),
    }


def table(rows: list[dict[str, Any]]) -> str:
    """Per model, ganzoo's mean ± std over seeds (and their count) beside the published best, per dataset."""
    head = "| model | " + " | ".join(f"{d}: ganzoo | {d}: published | ratio" for d in DATASETS) + " |"
    lines = [head, "|---|" + "---|---|---|" * len(DATASETS)]
    for model, published in PUBLISHED.items():
        cells = []
        for data in DATASETS:
            fids = [r["fid"] for r in rows if r["model"] == model and r["data"] == data]
            mean, std = published[data]
            if fids:
                spread = f" ± {statistics.stdev(fids):.1f}" if len(fids) > 1 else ""
                ours = f"{statistics.mean(fids):.1f}{spread} ({len(fids)} seed{'s' * (len(fids) > 1)})"
                ratio = f"{statistics.mean(fids) / mean:.2f}×"
            else:
                ours, ratio = "not run", "—"
            cells += [ours, f"{mean} ± {std}", ratio]
        lines.append(f"| {model} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", nargs="+", choices=list(PUBLISHED), default=list(PUBLISHED))
    parser.add_argument("--datasets", nargs="+", choices=DATASETS, default=list(DATASETS))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--quick", action="store_true", help="1 kimg, small-CNN FID on 500 images: a smoke check")
    parser.add_argument("--data-root", default=os.environ.get("GANZOO_DATA_ROOT", str(REPO.parent / "shared" / "data")))
    parser.add_argument("--weights", default=os.environ.get("GANZOO_INCEPTION_WEIGHTS", str(WEIGHTS)),
                        help="Inception FID weights (default: $GANZOO_INCEPTION_WEIGHTS, else ../shared/data/fid)")
    parser.add_argument("--workdir", type=Path, default=REPO / "runs" / "lucic2018")
    parser.add_argument("--table-only", action="store_true", help="print the table of the stored rows and stop")
    args = parser.parse_args()
    if args.weights and not Path(args.weights).is_file():
        args.weights = None  # torchmetrics downloads the original weights
    out = REPO / "benchmarks" / "results" / "ci" / "lucic2018_quick.jsonl" if args.quick else RESULTS
    if args.quick:
        args.models, args.datasets, args.seeds = ["ns_gan", "wgan"], ["mnist"], [0]
        args.workdir = Path(tempfile.mkdtemp(prefix="lucic2018-"))
    if not args.table_only:
        out.parent.mkdir(parents=True, exist_ok=True)
        done = {(r["model"], r["data"], r["seed"]) for r in current(load_rows(out))}
        for data in args.datasets:
            for model in args.models:
                for seed in args.seeds:
                    if (model, data, seed) in done:
                        continue
                    # A changed config never resumes the old one's weights.
                    workdir = args.workdir / f"{model}_{data}_seed{seed}_{config_settings(model, data)}"
                    row = run(model, data, seed, args, workdir)
                    with out.open("a") as f:
                        f.write(json.dumps(row) + "\n")
                    print(json.dumps(row), flush=True)
    print(table(current(load_rows(out))))


if __name__ == "__main__":
    main()
