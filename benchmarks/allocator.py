"""glibc's default allocator against ganzoo's setting (``ganzoo.allocator.keep_freed_memory``), in fresh processes.

Protocol
--------
For each model of ``benchmarks/throughput.py`` (synthetic in-memory data, batch 64), each repetition runs four fresh
Python processes, interleaved: the plain loop and ``ganzoo fit``, each with glibc's defaults and with ganzoo's
setting (which the ``ganzoo`` command and ``run_cli`` apply at start; the default case opts out with
``GANZOO_ALLOCATOR=system``, as a user would). For each ``--configs`` file, ``ganzoo fit --config`` on its real data
(``GANZOO_DATA_ROOT`` or ``../shared/data``), both ways. A fresh process each, because the setting is process-wide
and glibc's own thresholds move with what the process has freed before. Each child reports images/s over the timed
batches (``throughput``'s rule: warm-up excluded) and the minor page faults per batch of its whole run (set-up
included). The table gives medians over repetitions and the speed-up of the setting per path; one JSON
line per (model, path) goes to ``benchmarks/results/allocator.jsonl`` (``--quick``: ``benchmarks/results/ci/``).

    python benchmarks/allocator.py [--models vanilla_gan dcgan] [--configs configs/lucic2018/ns_gan_mnist.yaml]
                                   [--repetitions 3] [--quick]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import throughput
import torch

from ganzoo import allocator
from ganzoo.lightning_cli import run_cli

PATHS = ("plain", "ganzoo")
CASES, BATCH = throughput.CASES, throughput.BATCH_SIZE
#: A config whose networks hold large weight matrices (the InfoGAN-style nets of the Lucic et al. benchmark).
CONFIGS = ("configs/lucic2018/ns_gan_mnist.yaml",)
RESULTS = Path(__file__).parent / "results" / "allocator.jsonl"
QUICK = Path(__file__).parent / "results" / "ci" / "allocator_quick.jsonl"
REPO = Path(__file__).resolve().parents[1]
DATA_ROOT = os.environ.get("GANZOO_DATA_ROOT", str(REPO.parent / "shared" / "data"))
#: Untimed batches of a config run (a throughput case has its own).
WARMUP = 20


def child(model: str, path: str, keep: bool, steps: int) -> dict[str, float]:
    """One measurement in this (fresh) process; ``model`` is a config file when ``path`` is ``config``."""
    if keep and not allocator.keep_freed_memory():
        raise SystemExit("keep_freed_memory() did not apply here (not glibc, or MALLOC_*_ variables set)")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    with tempfile.TemporaryDirectory() as root:
        if path == "config":
            images_per_s, batch = config_run(model, steps, root)
        elif path == "plain":
            images_per_s, batch = throughput.plain_run(CASES[model], steps, torch.device("cpu")), BATCH
        else:
            images_per_s, batch = throughput.ganzoo_run(CASES[model], steps, "cpu", root), BATCH
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
    warmup = WARMUP if path == "config" else CASES[model].warmup
    return {"images_per_s": images_per_s, "faults_per_batch": faults / (warmup + steps), "batch_size": batch}


def config_run(config: str, steps: int, root: str) -> tuple[float, int]:
    """Images/s of ``ganzoo fit --config CONFIG`` over ``steps`` batches after ``WARMUP``, on the real data, and the
    config's batch size."""
    timer = {"class_path": "throughput.BatchTimer", "init_args": {"warmup": WARMUP}}
    cli = run_cli(["fit", "--config", str(REPO / config), "--data.root", DATA_ROOT, "--trainer.default_root_dir", root,
                   "--trainer.max_epochs", "1", "--trainer.limit_train_batches", str(WARMUP + steps),
                   "--trainer.enable_progress_bar", "false", "--metrics.metrics", "[]",
                   f"--trainer.callbacks+={json.dumps(timer)}"])  # fmt: skip
    seconds = next(cb for cb in cli.trainer.callbacks if isinstance(cb, throughput.BatchTimer)).seconds
    return steps * cli.datamodule.batch_size / seconds, cli.datamodule.batch_size


def now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def measure(model: str, path: str, keep: bool, steps: int) -> dict[str, float]:
    args = [sys.executable, __file__, "--child", model, path, str(int(keep)), str(steps)]
    # ganzoo's command and run_cli apply the setting themselves: the default case opts out as a user would (glibc's
    # own variables would not do: setting any of them also stops glibc from moving its thresholds).
    ours = (allocator.OPT_OUT, "GLIBC_TUNABLES", *allocator.GLIBC_VARIABLES)
    env = {k: v for k, v in os.environ.items() if k not in ours} | ({} if keep else {allocator.OPT_OUT: "system"})
    done = subprocess.run(args, capture_output=True, text=True, cwd=Path(__file__).parent, env=env)
    if done.returncode:
        raise RuntimeError(f"{model} {path} keep={keep} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", nargs="*", choices=tuple(CASES), default=list(CASES))
    parser.add_argument("--configs", nargs="*", default=list(CONFIGS), help="ganzoo fit configs, on their real data")
    parser.add_argument("--config-steps", type=int, default=200, help="timed batches of a config run")
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="1 repetition of the quick step counts (a smoke check)")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        model, path, keep, steps = args.child
        print(json.dumps(child(model, path, keep == "1", int(steps))))
        return
    reps = 1 if args.quick else args.repetitions
    rows = []
    print(f"Page faults and speed, glibc defaults vs ganzoo's allocator setting; fresh process per run, median of "
          f"{reps}\n\n| model | path | img/s, glibc defaults | img/s, kept | speed-up | faults/batch, defaults "
          f"| faults/batch, kept |\n|---|---|---|---|---|---|---|")  # fmt: skip
    jobs = [(m, PATHS, CASES[m].quick_steps if args.quick else CASES[m].steps) for m in args.models]
    jobs += [(c, ("config",), 10 if args.quick else args.config_steps) for c in args.configs]
    for model, paths, steps in jobs:
        runs: dict[tuple[str, bool], list[dict[str, float]]] = {(p, k): [] for p in paths for k in (False, True)}
        for rep in range(reps):
            for key in runs:
                runs[key].append(measure(model, *key, steps))
                print(f"{model} {rep + 1}/{reps} {key}: {runs[key][-1]}", file=sys.stderr)
        for path in paths:
            ips = {k: statistics.median(r["images_per_s"] for r in runs[(path, k)]) for k in (False, True)}
            flt = {k: statistics.median(r["faults_per_batch"] for r in runs[(path, k)]) for k in (False, True)}
            print(f"| {model} | {path} | {ips[False]:.1f} | {ips[True]:.1f} | {ips[True] / ips[False]:.3f} "
                  f"| {flt[False]:.0f} | {flt[True]:.0f} |")  # fmt: skip
            batch = runs[(path, True)][0]["batch_size"]
            rows.append({"model": model, "path": path, "batch_size": batch, "steps": steps,
                         "images_per_s_default": round(ips[False], 1), "images_per_s_kept": round(ips[True], 1),
                         "speedup": round(ips[True] / ips[False], 4), "faults_per_batch_default": round(flt[False]),
                         "faults_per_batch_kept": round(flt[True]), "repetitions": reps,
                         "device": f"cpu ({torch.get_num_threads()} threads)", "torch": torch.__version__,
                         "commit": throughput.commit(), "date": now()})  # fmt: skip
    out = QUICK if args.quick else RESULTS
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("a") as f:
        f.writelines(json.dumps(row) + "\n" for row in rows)


if __name__ == "__main__":
    main()
