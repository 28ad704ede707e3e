"""glibc's default allocator against ganzoo's setting (``ganzoo.allocator.keep_freed_memory``), in fresh processes.

Protocol
--------
For each model of ``benchmarks/throughput.py`` (synthetic in-memory data, batch 64), each repetition runs four fresh
Python processes, interleaved: the plain loop and ``ganzoo fit``, each with glibc's defaults and with ganzoo's
setting (which ``ganzoo``'s command line applies at start). A fresh process each, because the setting is
process-wide and glibc's own thresholds move with what the process has freed before. Each child reports images/s
over the timed batches (``throughput``'s rule: warm-up excluded) and the minor page faults per batch of its whole
run (set-up included). The table gives medians over repetitions and the speed-up of the setting per path; one JSON
line per (model, path) goes to ``benchmarks/results/allocator.jsonl`` (``--quick``: ``benchmarks/results/ci/``).

    python benchmarks/allocator.py [--models vanilla_gan dcgan] [--repetitions 3] [--quick]
"""

from __future__ import annotations

import argparse
import datetime
import json
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import throughput
import torch

from ganzoo.allocator import keep_freed_memory

PATHS = ("plain", "ganzoo")
RESULTS = Path(__file__).parent / "results" / "allocator.jsonl"
QUICK = Path(__file__).parent / "results" / "ci" / "allocator_quick.jsonl"


def child(model: str, path: str, keep: bool, steps: int) -> dict[str, float]:
    """One measurement in this (fresh) process."""
    if keep and not keep_freed_memory():
        raise SystemExit("keep_freed_memory() did not apply here (not glibc, or MALLOC_*_ variables set)")
    case = throughput.CASES[model]
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    with tempfile.TemporaryDirectory() as root:
        if path == "plain":
            images_per_s = throughput.plain_run(case, steps, torch.device("cpu"))
        else:
            images_per_s = throughput.ganzoo_run(case, steps, "cpu", root)
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
    return {"images_per_s": images_per_s, "faults_per_batch": faults / (case.warmup + steps)}


def now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def measure(model: str, path: str, keep: bool, steps: int) -> dict[str, float]:
    args = [sys.executable, __file__, "--child", model, path, str(int(keep)), str(steps)]
    done = subprocess.run(args, capture_output=True, text=True, cwd=Path(__file__).parent)
    if done.returncode:
        raise RuntimeError(f"{model} {path} keep={keep} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", nargs="+", choices=tuple(throughput.CASES), default=list(throughput.CASES))
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
    for model in args.models:
        case = throughput.CASES[model]
        steps = case.quick_steps if args.quick else case.steps
        runs: dict[tuple[str, bool], list[dict[str, float]]] = {(p, k): [] for p in PATHS for k in (False, True)}
        for rep in range(reps):
            for key in runs:
                runs[key].append(measure(model, *key, steps))
                print(f"{model} {rep + 1}/{reps} {key}: {runs[key][-1]}", file=sys.stderr)
        for path in PATHS:
            ips = {k: statistics.median(r["images_per_s"] for r in runs[(path, k)]) for k in (False, True)}
            flt = {k: statistics.median(r["faults_per_batch"] for r in runs[(path, k)]) for k in (False, True)}
            print(f"| {model} | {path} | {ips[False]:.1f} | {ips[True]:.1f} | {ips[True] / ips[False]:.3f} "
                  f"| {flt[False]:.0f} | {flt[True]:.0f} |")  # fmt: skip
            rows.append({"model": model, "path": path, "batch_size": throughput.BATCH_SIZE, "steps": steps,
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
