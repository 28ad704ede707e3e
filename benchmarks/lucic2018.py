"""Lucic et al. (2018), "Are GANs Created Equal?": their MNIST and Fashion-MNIST FID table, reproduced with ganzoo.

    python benchmarks/lucic2018.py [--models ns_gan wgan ...] [--datasets mnist fashion_mnist] [--seeds 0 1 2]
                                   [--jobs N] [--quick] [--data-root DIR] [--weights FILE] [--table-only]

Protocol (theirs, from the paper and google/compare_gan v1): the InfoGAN-style networks at 28×28 for every model
(``--model.backbone infogan``), batch 64, z of 64 dimensions, 20 epochs of the 60,000 training images counted in
discriminator batches (18,740 D steps; G steps = D steps / n_critic); FID between the 10,000 test images and 10,000
generated ones, grey tiled to 3 channels, TF Inception pool3 (``fid_10k_test``; ganzoo's Inception is the same
network, run by the engine recorded in each row). Each model's settings are in ``configs/lucic2018/<model>_<data>.yaml``
(sources: ``configs/lucic2018/README.md``): one setting per model, where the published numbers are the best of a
100-point hyper-parameter search (the ± is their spread over restarts of that best setting).

Resumable per (model, dataset, seed) and settings (``settings``: a digest of the parsed config): each run trains in
``--workdir``/<model>_<data>_seed<seed>_<settings>, with a checkpoint every epoch; a run cut off resumes from its last
checkpoint (its clock too: wall and CPU time are kept in the checkpoint), and one with a row of the same settings in
``benchmarks/results/lucic2018.jsonl`` is not run again. Rows of earlier settings stay in the file, out of the table.
Every finished seed appends one JSON line (seed, commit, engine, wall and CPU time). The table (mean ± standard
deviation over the seeds present, beside the published best) is printed at the end and by ``make report``.
``--jobs N`` runs N at a time, each in a process of its own with 1/N of the cores. ``--quick`` (CI): NS GAN and WGAN
on MNIST, seed 0 (unless chosen), 1 kimg, small-CNN FID on 500 images, rows under ``results/ci/``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
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


def run_dir(workdir: Path, model: str, data: str, seed: int) -> Path:
    """Where a run trains: named by its settings, so a changed config never resumes the old one's weights."""
    return workdir / f"{model}_{data}_seed{seed}_{config_settings(model, data)}"


def child_command(model: str, data: str, seed: int, args: argparse.Namespace) -> list[str]:
    """This script for one (model, dataset, seed), with the options that shape a run passed on."""
    return [
        sys.executable, __file__, "--models", model, "--datasets", data, "--seeds", str(seed),
        "--data-root", args.data_root, "--workdir", str(args.workdir),
        *(("--weights", args.weights) if args.weights else ()), *(("--quick",) if args.quick else ()),
    ]  # fmt: skip


def run_serially(pending: list[tuple[str, str, int]], args: argparse.Namespace, out: Path) -> None:
    for model, data, seed in pending:
        row = run(model, data, seed, args, run_dir(args.workdir, model, data, seed))
        with out.open("a") as f:
            f.write(json.dumps(row) + "\n")
        print(json.dumps(row), flush=True)


def run_in_parallel(pending: list[tuple[str, str, int]], args: argparse.Namespace) -> list[str]:
    """Runs ``args.jobs`` of the pending runs at a time, each in its own process with an equal share of the cores
    (its output in ``--workdir``/<run>.log; each appends its own row); returns the runs that failed. Stopping this
    process stops the runs (each saves a checkpoint on SIGTERM), so none goes on unwatched."""
    jobs = min(args.jobs, len(pending))
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1  # Linux: CPU set
    threads = max(1, cores // max(jobs, 1))
    env = {**os.environ, "OMP_NUM_THREADS": str(threads)}
    args.workdir.mkdir(parents=True, exist_ok=True)
    queue, failed = list(pending), []
    running: dict[str, subprocess.Popen[bytes]] = {}
    try:
        while queue or running:
            while queue and len(running) < jobs:
                model, data, seed = queue.pop(0)
                name = run_dir(args.workdir, model, data, seed).name
                with (args.workdir / f"{name}.log").open("a") as log:  # the child keeps its own handle
                    running[name] = subprocess.Popen(child_command(model, data, seed, args), stdout=log,
                                                     stderr=subprocess.STDOUT, env=env)  # fmt: skip
                print(f"lucic2018: started {name} ({threads} thread{'s' * (threads > 1)}; log {log.name})", flush=True)
            time.sleep(1)
            for name, process in list(running.items()):
                if process.poll() is None:
                    continue
                del running[name]
                if process.returncode == 0:
                    print(f"lucic2018: {name} done", flush=True)
                else:
                    failed.append(name)
                    tail = (args.workdir / f"{name}.log").read_text(errors="replace").splitlines()[-5:]
                    print(f"lucic2018: {name} FAILED (exit {process.returncode}):", *tail, sep="\n  ", flush=True)
    finally:
        for process in running.values():
            process.terminate()
        for process in running.values():
            process.wait()
    return failed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", nargs="+", choices=list(PUBLISHED), help="default: all")
    parser.add_argument("--datasets", nargs="+", choices=DATASETS, help="default: both")
    parser.add_argument("--seeds", nargs="+", type=int, help="default: 0 1 2")
    parser.add_argument("--quick", action="store_true", help="1 kimg, small-CNN FID on 500 images: a smoke check")
    parser.add_argument("--data-root", default=os.environ.get("GANZOO_DATA_ROOT", str(REPO.parent / "shared" / "data")))
    parser.add_argument("--weights", default=os.environ.get("GANZOO_INCEPTION_WEIGHTS", str(WEIGHTS)),
                        help="Inception FID weights (default: $GANZOO_INCEPTION_WEIGHTS, else ../shared/data/fid)")
    parser.add_argument("--workdir", type=Path, help="runs, kept for resuming (default: runs/lucic2018; --quick: a "
                        "temporary directory)")
    parser.add_argument("--table-only", action="store_true", help="print the table of the stored rows and stop")
    parser.add_argument("--jobs", type=int, default=1,
                        help="runs at a time, each in its own process with an equal share of the cores "
                             "(default 1: one after another, in this process)")  # fmt: skip
    args = parser.parse_args()
    if args.weights and not Path(args.weights).is_file():
        args.weights = None  # torchmetrics downloads the original weights
    out = REPO / "benchmarks" / "results" / "ci" / "lucic2018_quick.jsonl" if args.quick else RESULTS
    args.models = args.models or (["ns_gan", "wgan"] if args.quick else list(PUBLISHED))
    args.datasets = args.datasets or (["mnist"] if args.quick else list(DATASETS))
    args.seeds = args.seeds or ([0] if args.quick else [0, 1, 2])
    if args.workdir is None:
        args.workdir = Path(tempfile.mkdtemp(prefix="lucic2018-")) if args.quick else REPO / "runs" / "lucic2018"
    if args.jobs < 1:
        parser.error(f"--jobs must be at least 1, got {args.jobs}")
    failed: list[str] = []
    if not args.table_only:
        out.parent.mkdir(parents=True, exist_ok=True)
        done = {(r["model"], r["data"], r["seed"]) for r in current(load_rows(out))}
        wanted = dict.fromkeys((m, d, s) for d in args.datasets for m in args.models for s in args.seeds)
        pending = [run for run in wanted if run not in done]
        if args.jobs > 1:
            failed = run_in_parallel(pending, args)
        else:
            run_serially(pending, args, out)
    print(table(current(load_rows(out))))
    if failed:
        sys.exit(f"lucic2018: {len(failed)} run(s) failed: {', '.join(failed)} (logs in {args.workdir}; the same "
                 "command resumes them from their last checkpoint)")  # fmt: skip


if __name__ == "__main__":
    main()
