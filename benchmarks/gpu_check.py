"""The GPU check: one script that shows, on a machine with a CUDA GPU, that ganzoo works and how fast it is there.

On a CUDA machine (``make gpu-check``, about 8 minutes on one GPU):

1. every registered model fits ``--steps`` batches (default 200) in ``bf16-mixed`` and in ``16-mixed`` on the
   bundled digits at 32×32 (CycleGAN on MNIST↔USPS where an offline copy exists); a row per (model, precision) says
   whether it finished with finite weights, its images/s and its wall time;
2. throughput and MFU of dcgan and stylegan_lite at batch 64 and 256 (bf16-mixed, synthetic data in memory, FLOPs
   counted as in ``speed.py``), MFU against the GPU's dense BF16 peak (``throughput.PEAK_TFLOPS``);
3. the time of a 10k-sample FID: Inception (``fid_10k``) where weights are available offline or downloadable, and
   always the small-CNN ``fid_lenet``;
4. DDP on 2 GPUs when there are two (``--trainer.strategy ddp --trainer.devices 2``).

Rows (with the device's name) go to ``benchmarks/results/gpu_check.jsonl``. Without a GPU the script runs a dry
version on the CPU (2 batches per model, bf16-mixed only, tiny sizes, rows to ``results/ci/``) so that CI keeps it
working; a dry run's numbers are not results.

    python benchmarks/gpu_check.py [--steps 200] [--dry]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import speed
import throughput
import torch

from ganzoo.cli import expand_aliases
from ganzoo.lightning_cli import run_cli
from ganzoo.registry import models

RESULTS = Path(__file__).resolve().parent / "results" / "gpu_check.jsonl"
DRY = RESULTS.parent / "ci" / "gpu_check_dry.jsonl"
DATA_ROOT = Path(os.environ.get("GANZOO_DATA_ROOT", Path(__file__).resolve().parents[2] / "shared" / "data"))


def data_args(model: str, size: int) -> list[str] | None:
    """The data each model trains on here, or None where none is available offline."""
    if model == "cyclegan":
        if not (DATA_ROOT / "MNIST" / "raw").is_dir() or not (DATA_ROOT / "usps").is_dir():
            return None
        return ["--data", "mnist_usps", f"--data.root={DATA_ROOT}", f"--data.image_size={size}"]
    return ["--data", "digits", f"--data.image_size={size}"]


def fit_every_model(args: argparse.Namespace, accelerator: str, root: str) -> list[dict]:
    rows = []
    precisions = ["bf16-mixed"] if args.dry else ["bf16-mixed", "16-mixed"]
    for model in models():
        data = data_args(model, 16 if args.dry else 32)
        for precision in precisions:
            record: dict[str, Any] = {"check": "fit", "model": model, "precision": precision, "steps": args.steps}
            if data is None:
                rows.append(record | {"status": "skipped", "reason": f"no offline MNIST and USPS under {DATA_ROOT}"})
                continue
            start = time.perf_counter()
            try:
                cli = run_cli(expand_aliases([
                    "fit", "--model", model, *data, "--data.batch_size=64", f"--trainer.accelerator={accelerator}",
                    "--trainer.devices=1", f"--trainer.precision={precision}", "--trainer.max_epochs=-1",
                    f"--trainer.max_steps={2 * args.steps}", f"--trainer.limit_train_batches={args.steps}",
                    "--trainer.limit_val_batches=0", "--trainer.enable_progress_bar=false", "--metrics.metrics=[]",
                    f"--trainer.default_root_dir={root}", "--model.n_critic=1",
                ]))  # fmt: skip
                seconds = time.perf_counter() - start
                finite = all(bool(torch.isfinite(t).all()) for t in cli.model.state_dict().values()
                             if t.is_floating_point())  # fmt: skip
                images = cli.model.images_seen
                record |= {"status": "ok" if finite else "non-finite weights", "seconds": round(seconds, 1),
                           "images_per_s": round(images / seconds, 1), "g_steps": cli.model.g_steps}  # fmt: skip
            except (Exception, SystemExit) as err:  # a failure is a finding: record it and go on
                record |= {"status": "failed", "error": f"{type(err).__name__}: {str(err).splitlines()[0][:300]}"}
            rows.append(record)
            print(f"fit {model} {precision}: {record['status']}", file=sys.stderr)
    return rows


def throughput_and_mfu(args: argparse.Namespace, accelerator: str, device_name: str, root: str) -> list[dict]:
    rows = []
    peak = throughput.default_peak(device_name) if accelerator == "cuda" else None
    batches = [16] if args.dry else [64, 256]
    for model in ("dcgan", "stylegan_lite"):
        for batch in batches:
            shape = (1, 32, 32)
            steps = 2 if args.dry else max(20, 5000 // batch)
            extra = (f"--trainer.accelerator={accelerator}", "--trainer.devices=1", "--trainer.precision=bf16-mixed")
            images_per_s, module, _ = speed.fit(model, shape, batch, steps, 1 if args.dry else 10, root, extra)
            flops = speed.flops_per_image(module.cpu(), shape, min(batch, 16))
            tflops = images_per_s * flops / 1e12
            rows.append({"check": "throughput", "model": model, "batch": batch, "precision": "bf16-mixed",
                         "images_per_s": round(images_per_s, 1), "gflop_per_image": round(flops / 1e9, 3),
                         "tflops": round(tflops, 3), "peak_tflops": peak,
                         "mfu": round(tflops / peak, 4) if peak else None, "steps": steps})  # fmt: skip
            print(f"throughput {model} batch {batch}: {images_per_s:.0f} img/s", file=sys.stderr)
    return rows


def fid_timing(args: argparse.Namespace, accelerator: str) -> list[dict]:
    from ganzoo.data import DigitsData
    from ganzoo.errors import UserError
    from ganzoo.metrics.evaluate import evaluate
    from ganzoo.metrics.protocol import EvaluationOptions
    from ganzoo.models import DCGAN

    datamodule = DigitsData(image_size=32)
    datamodule.setup("fit")
    model = DCGAN(data_shape=datamodule.data_shape).to(accelerator)
    n = 200 if args.dry else 10_000
    rows = []
    for feature in ("lenet", "inception"):
        if feature == "inception" and args.dry:
            continue  # minutes on a CPU; the CPU benchmark is metrics_speed.py
        start = time.perf_counter()
        try:
            record = evaluate(model, datamodule, ["fid"], EvaluationOptions(feature=feature, n_fake=n, n_real=None))[0]
            rows.append({"check": "fid", "metric": record["metric"], "n_fake": n, "status": "ok",
                         "seconds": round(time.perf_counter() - start, 1),
                         "engine": record.get("engine")})  # fmt: skip
        except UserError as err:  # no Inception weights offline: say so
            rows.append({"check": "fid", "feature": feature, "n_fake": n, "status": "skipped", "reason": str(err)})
        print(f"fid {feature}: {rows[-1]['status']}", file=sys.stderr)
    return rows


def ddp(args: argparse.Namespace, root: str) -> list[dict]:
    if args.dry or torch.cuda.device_count() < 2:
        return [{"check": "ddp", "status": "skipped", "reason": f"{torch.cuda.device_count()} CUDA device(s)"}]
    exe = Path(sys.executable).with_name("ganzoo")
    start = time.perf_counter()
    result = subprocess.run(
        [str(exe), "fit", "--model", "dcgan", "--data", "digits", "--trainer.accelerator=cuda", "--trainer.devices=2",
         "--trainer.strategy=ddp", "--trainer.precision=bf16-mixed", "--trainer.max_epochs=2",
         "--trainer.enable_progress_bar=false", "--metrics.metrics=[]", f"--trainer.default_root_dir={root}"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    status = "ok" if result.returncode == 0 else "failed"
    return [{"check": "ddp", "devices": 2, "status": status, "seconds": round(time.perf_counter() - start, 1),
             "error": result.stderr.strip().splitlines()[-1][:300] if status == "failed" else None}]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=200, help="batches per model and precision")
    parser.add_argument("--dry", action="store_true", help="the CPU version (default where there is no CUDA GPU)")
    args = parser.parse_args()
    cuda = torch.cuda.is_available()
    args.dry = args.dry or not cuda
    if args.dry:
        args.steps = 2
    accelerator = "cuda" if cuda and not args.dry else "cpu"
    device_name = torch.cuda.get_device_name(0) if accelerator == "cuda" else f"cpu ({os.cpu_count()} cores, dry run)"
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="ganzoo-gpu-check-") as root:
        rows = fit_every_model(args, accelerator, root)
        rows += throughput_and_mfu(args, accelerator, device_name, root)
        rows += fid_timing(args, accelerator)
        rows += ddp(args, root)
    now = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    stamp = {"device": device_name, "gpus": torch.cuda.device_count(), "torch": torch.__version__,
             "commit": throughput.commit(), "date": now}  # fmt: skip
    out = DRY if args.dry else RESULTS
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("a") as f:
        f.writelines(json.dumps(row | stamp) + "\n" for row in rows)
    failed = [r for r in rows if r.get("status") in ("failed", "non-finite weights")]
    print(f"\nGPU check on {device_name}: {len(rows)} checks, {len(failed)} failed, "
          f"{time.perf_counter() - started:.0f} s; rows in {out}")  # fmt: skip
    for r in rows:
        detail = r.get("error") or r.get("reason") or ", ".join(
            f"{k} {r[k]}" for k in ("images_per_s", "mfu", "seconds") if r.get(k) is not None)
        print(f"  {r['check']:<10} {r.get('model', r.get('metric', r.get('feature', ''))):<16} "
              f"{r.get('batch', r.get('precision', '')):<11} {r.get('status', 'ok'):<8} {detail}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
