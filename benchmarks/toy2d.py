"""Mode collapse on the 2D mixtures, in the VEEGAN/GDPP setting, beside the published tables.

    python benchmarks/toy2d.py [--quick] [--methods ...] [--datasets ring grid] [--seeds 5] [--iterations 25000]

Setting (VEEGAN, Srivastava et al. 2017; GDPP, Elfeki et al. 2019): z ~ N(0, I₂₅₆); G FC128-tanh → FC128-tanh → FC2;
D FC128-tanh → FC128-tanh → FC1 (a logit); Adam β1 = 0.5, lr_D 1e-4, lr_G 1e-3; batch 512; 25,000 generator
iterations; 5 seeds. Metrics (ganzoo.metrics.mode_coverage): 2,500 samples; high quality = within 3σ of the nearest
mode; modes = modes hit by a high-quality sample; hq_pct; rkl = KL(mode histogram ‖ uniform).

Every method is also sampled from the EMA of its generator ("+ EMA") and, where its discriminator is logistic, by
discriminator rejection sampling after refitting D for ``--drs-steps`` ("+ DRS"; ``ganzoo.rejection``; not for
minibatch discrimination, whose D scores a sample by its batch).

Each method is a ganzoo model trained by a Lightning Trainer on ganzoo's RingData/GridData. Every trained seed is
appended at once to ``benchmarks/results/toy2d_seeds.jsonl`` (one line per method × dataset × seed), so a long run
that is cut off keeps its finished seeds, and seeds can be spread over processes: ``--only-seeds 0 2 4`` in one,
``--only-seeds 1 3`` in another, then ``--resume`` reuses the stored seeds of the same protocol (method settings,
iterations, DRS steps) instead of training them again. Once all ``--seeds`` are there, one JSON line per method ×
dataset goes to ``benchmarks/results/toy2d.jsonl`` (``--quick``: both files under ``ci/``, not committed) and a
markdown table with the published rows first is printed.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import lightning as L
import torch

from ganzoo.data import GridData, RingData
from ganzoo.metrics import EvaluationOptions, evaluate
from ganzoo.metrics.mode_coverage import mode_coverage
from ganzoo.models import WGANGP, MinibatchGAN, UnrolledGAN, VanillaGAN
from ganzoo.rejection import check_drs_applicable, refit_discriminator, rejection_sample

REPO = Path(__file__).resolve().parents[1]
ADAM = {"class_path": "torch.optim.Adam", "init_args": {"betas": (0.5, 0.999)}}
OPTIMIZERS = {
    "optimizer_g": {**ADAM, "init_args": {**ADAM["init_args"], "lr": 1e-3}},
    "optimizer_d": {**ADAM, "init_args": {**ADAM["init_args"], "lr": 1e-4}},
}
MLP = {"g_hidden": (128, 128), "d_hidden": (128, 128), "activation": "tanh", "latent_dim": 256}
#: WGAN-GP's own toy recipe (Gulrajani et al.'s gan_toy.py): Adam 1e-4 for both players, β = (0.5, 0.9).
WGAN_GP_ADAM = {"class_path": "torch.optim.Adam", "init_args": {"lr": 1e-4, "betas": (0.5, 0.9)}}
WGAN_GP_MLP = {"backbone": "mlp", "hidden": (128, 128), "activation": "tanh", "latent_dim": 256, "g_norm": "none",
               "d_norm": "none", "n_critic": 5}  # fmt: skip

#: method → (model class, init args). The VEEGAN networks and optimisers throughout, except where a method's own
#: paper prescribes otherwise (WGAN-GP's critic steps, penalty and β2). Every row records its init args.
METHODS: dict[str, tuple[type, dict[str, Any]]] = {
    "vanilla_gan (non_saturating)": (VanillaGAN, {**MLP, **OPTIMIZERS, "loss": "non_saturating"}),
    "vanilla_gan (minimax)": (VanillaGAN, {**MLP, **OPTIMIZERS, "loss": "minimax"}),
    "unrolled_gan (5 steps)": (UnrolledGAN, {**MLP, **OPTIMIZERS, "unroll_steps": 5}),
    "wgan_gp": (WGANGP, {**WGAN_GP_MLP, "optimizer_g": WGAN_GP_ADAM, "optimizer_d": WGAN_GP_ADAM}),
    # The protocol's G learning rate instead: measured worse on both toys (README), kept so the row can be re-run.
    "wgan_gp (lr_G 1e-3)": (
        WGANGP,
        {
            **WGAN_GP_MLP,
            "optimizer_g": {**WGAN_GP_ADAM, "init_args": {"lr": 1e-3, "betas": (0.5, 0.9)}},
            "optimizer_d": WGAN_GP_ADAM,
        },
    ),
    # Gulrajani et al.'s toy script uses λ = 0.1 ("smaller lambda makes things faster for toy tasks").
    "wgan_gp (gp_weight 0.1)": (
        WGANGP,
        {**WGAN_GP_MLP, "gp_weight": 0.1, "optimizer_g": WGAN_GP_ADAM, "optimizer_d": WGAN_GP_ADAM},
    ),
    # B = 10 kernels of C = 3: with batch 512 the layer costs O(N²·B·C); 0.16 CPU-s an iteration at one thread.
    "minibatch_gan (B=10, C=3)": (
        MinibatchGAN,
        {
            "backbone": "mlp",
            "hidden": (128, 128),
            "activation": "tanh",
            "latent_dim": 256,
            "num_kernels": 10,
            "kernel_dim": 3,
            **OPTIMIZERS,
        },
    ),
}
DATASETS = {"ring": RingData, "grid": GridData}
#: Every method also reports "+ EMA": the same run sampled from an exponential moving average of its generator.
EMA_DECAY = 0.999
#: Methods with a logistic discriminator also report "+ DRS": discriminator rejection sampling (Azadi et al. 2019)
#: after refitting a copy of D against the frozen generator (Adam 1e-3, β1 0.5) for --drs-steps steps.
DRS_LR = 1e-3

PUBLISHED = [  # method, ring modes, ring %HQ, grid modes, grid %HQ, source
    ("GAN", 1, 99.3, 3.3, 0.5, "VEEGAN Table 1"),
    ("Unrolled GAN (5 steps)", 7.6, 35.6, 23.6, 16, "VEEGAN Table 1"),
    ("VEEGAN", 8, 52.9, 24.6, 40, "VEEGAN Table 1"),
    ("WGAN-GP", 6.8, 59.6, 24.2, 28.7, "GDPP Table 1"),
    ("GDPP", 8.0, 71.7, 24.8, 68.5, "GDPP Table 1"),
]


def run(method: str, dataset: str, seed: int, iterations: int, drs_steps: int) -> list[dict[str, float] | None]:
    """Trains one method for ``iterations`` generator steps; returns the mode metrics of its generator, of the
    generator's EMA (decay 0.999, Yazici et al. 2019; tracked alongside without affecting training) and of DRS
    samples (None where the discriminator is not logistic or ``drs_steps`` is 0)."""
    cls, kwargs = METHODS[method]
    L.seed_everything(seed, verbose=False)
    dm = DATASETS[dataset](batch_size=512)
    model = cls(data_shape=dm.data_shape, ema_decay=EMA_DECAY, **kwargs)
    steps_per_iteration = model.n_critic + 1  # Lightning's global_step counts both players' steps
    L.Trainer(
        max_steps=iterations * steps_per_iteration, max_epochs=-1, limit_val_batches=0, logger=False,
        enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False,
    ).fit(model, dm)  # fmt: skip
    results: list[dict[str, float] | None] = [
        {r["metric"]: r["value"] for r in evaluate(model, dm, options=EvaluationOptions(ema=ema, seed=seed))}
        for ema in (False, True)
    ]
    try:
        check_drs_applicable(model)
    except ValueError:  # a Wasserstein critic or a minibatch layer: its scores are not per-sample density ratios
        drs_steps = 0
    if not drs_steps:
        return [*results, None]
    refit = refit_discriminator(model, dm.train_dataloader(), drs_steps, lr=DRS_LR)
    samples, _ = rejection_sample(model, 2500, refit, generator=torch.Generator().manual_seed(seed))
    return [*results, mode_coverage(samples, dm.modes, dm.std)]


def summarise(values: list[float]) -> tuple[float | None, float | None]:
    finite = [v for v in values if v == v]  # rkl is NaN when no sample is high-quality
    if not finite:
        return None, None  # JSON has no NaN
    return statistics.fmean(finite), statistics.pstdev(finite) if len(finite) > 1 else 0.0


def protocol(method: str, dataset: str, iterations: int, drs_steps: int) -> dict[str, Any]:
    """What makes two seeds' runs comparable (JSON-normalised, so that stored rows compare equal)."""
    settings = json.loads(json.dumps(METHODS[method][1]))
    return {"method": method, "dataset": dataset, "iterations": iterations, "drs_steps": drs_steps,
            "settings": settings}  # fmt: skip


def load_seeds(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()] if path.exists() else []


def clean(metrics: dict[str, float] | None) -> dict[str, float | None] | None:
    return None if metrics is None else {k: (None if v != v else v) for k, v in metrics.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="500 iterations, 1 seed: a smoke check, not the table")
    parser.add_argument("--methods", nargs="+", choices=list(METHODS), default=list(METHODS))
    parser.add_argument("--datasets", nargs="+", choices=list(DATASETS), default=list(DATASETS))
    parser.add_argument("--seeds", type=int, default=5, help="seeds 0 … N−1 make a table row")
    parser.add_argument(
        "--only-seeds",
        type=int,
        nargs="+",
        default=None,
        help="train just these seeds and store them; no table row (spread seeds over processes)",
    )
    parser.add_argument(
        "--resume", action="store_true", help="reuse stored seeds of the same protocol instead of training them again"
    )
    parser.add_argument("--iterations", type=int, default=25_000)
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's choice)")
    parser.add_argument("--drs-steps", type=int, default=20_000, help="D refit steps before DRS (0: no DRS rows)")
    args = parser.parse_args()  # fmt: skip
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.quick:
        args.seeds, args.iterations, args.drs_steps = 1, 500, 200
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=REPO)
    results_dir = REPO / "benchmarks" / "results"
    out = results_dir / ("ci/toy2d_quick.jsonl" if args.quick else "toy2d.jsonl")
    seeds_out = results_dir / ("ci/toy2d_quick_seeds.jsonl" if args.quick else "toy2d_seeds.jsonl")
    out.parent.mkdir(parents=True, exist_ok=True)
    rows = []
    for method in args.methods:
        for dataset in args.datasets:
            key = protocol(method, dataset, args.iterations, args.drs_steps)
            stored = {r["seed"]: r for r in load_seeds(seeds_out) if all(r.get(k) == v for k, v in key.items())}
            per_seed = {}
            for seed in args.only_seeds if args.only_seeds is not None else range(args.seeds):
                if args.resume and seed in stored:
                    per_seed[seed] = stored[seed]
                    continue
                start, cpu_start = time.perf_counter(), time.process_time()
                plain, ema, drs = run(method, dataset, seed, args.iterations, args.drs_steps)
                per_seed[seed] = {
                    **key, "seed": seed, "plain": clean(plain), "ema": clean(ema), "drs": clean(drs),
                    "seconds": round(time.perf_counter() - start, 1),
                    "cpu_seconds": round(time.process_time() - cpu_start, 1), "threads": torch.get_num_threads(),
                    "device": "cpu", "torch": torch.__version__, "commit": commit.stdout.strip(),
                    "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                }  # fmt: skip
                print(json.dumps(per_seed[seed]), flush=True)
                with seeds_out.open("a") as f:
                    f.write(json.dumps(per_seed[seed]) + "\n")
            if args.only_seeds is not None:
                continue
            runs = [per_seed[seed] for seed in range(args.seeds)]
            for variant, suffix in (("plain", ""), ("ema", " + EMA"), ("drs", " + DRS")):
                measured = [r[variant] for r in runs if r[variant] is not None]
                if not measured:
                    continue
                row = {"method": method + suffix, "dataset": dataset}
                for metric in ("modes", "hq_pct", "rkl"):
                    values = [m[metric] if m[metric] is not None else float("nan") for m in measured]
                    row[f"{metric}_mean"], row[f"{metric}_std"] = summarise(values)
                row |= {
                    "settings": key["settings"], "drs_steps": args.drs_steps if variant == "drs" else None,
                    "seeds": args.seeds, "iterations": args.iterations,
                    # Training + evaluation, summed over seeds: wall time (inflated by other work on the machine) and
                    # the process's CPU time (not; absent for seeds stored before it was recorded).
                    "seconds": round(sum(r["seconds"] for r in runs), 1),
                    "cpu_seconds": round(sum(r["cpu_seconds"] for r in runs), 1)
                    if all("cpu_seconds" in r for r in runs) else None,
                    "threads": runs[-1]["threads"], "device": "cpu", "torch": torch.__version__,
                    "commit": commit.stdout.strip(), "seed_commits": sorted({r["commit"] for r in runs}),
                    "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                }  # fmt: skip
                rows.append(row)
                print(json.dumps(row), flush=True)
                with out.open("a") as f:
                    f.write(json.dumps(row) + "\n")
    if not rows:
        return

    def cell(method: str, dataset: str, metric: str) -> str:
        row = next((r for r in rows if r["method"] == method and r["dataset"] == dataset), None)
        if row is None or row[f"{metric}_mean"] is None:
            return "—"
        return f"{row[f'{metric}_mean']:.1f} ± {row[f'{metric}_std']:.1f}"

    print("\n| method | ring modes /8 | ring %HQ | grid modes /25 | grid %HQ | source |\n|---|---|---|---|---|---|")
    for name, rm, rh, gm, gh, source in PUBLISHED:
        print(f"| {name} (published) | {rm} | {rh} | {gm} | {gh} | {source} |")
    for method in dict.fromkeys(r["method"] for r in rows):
        print(
            f"| ganzoo {method} | {cell(method, 'ring', 'modes')} | {cell(method, 'ring', 'hq_pct')} | "
            f"{cell(method, 'grid', 'modes')} | {cell(method, 'grid', 'hq_pct')} | "
            f"{args.seeds} seeds × {args.iterations:,} iterations |"
        )


if __name__ == "__main__":
    main()
