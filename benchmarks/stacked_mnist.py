"""Mode collapse on images: Stacked MNIST (1,000 modes) in two published settings (and a variant of one), beside the
published rows.

    python benchmarks/stacked_mnist.py [--settings small_d small_d_dcgan dcgan] [--methods ...] [--seeds 0 1 2]
                                       [--kimg 512] [--quick] [--data-root DIR] [--table-only]

Data: ``stacked_mnist`` (128,000 images, three MNIST digits as the channels; ``ganzoo.data.StackedMNISTData``) at
32×32, batch 64, unless a setting says otherwise. Metric: ``modes_stacked`` — each channel of 26,000 generated images
read by the shipped MNIST classifier; modes = distinct triples, KL = KL(triple histogram ‖ uniform). Real data scores
1,000 modes and KL 0.022.

Settings (each method is a ``ganzoo fit`` command line; the row records it):

* ``small_d`` — Metz et al. (2017) / PacGAN Table 3, "D is 1/4 the size of G": the networks of PacGAN's code of this
  experiment (ganzoo's ``metz`` backbone: G 64-32-16-8 channels, D 2-4-8 with BatchNorm on every layer, 3×3 kernels),
  at 28×28, z of 256, batch 128, Adam lr_D 2e-4, lr_G 1e-4, β = (0.5, 0.99) (``SMALL_D``). The plain GAN (k = 0)
  against Unrolled GAN (k = 5 and 10) and PacGAN (m = 2, 3, 4; m = 3 with batch 126, a multiple of 3).
* ``small_d_dcgan`` — the same widths, z, batch and optimizers on ganzoo's DCGAN backbone at 32×32 (4×4 kernels, no
  BatchNorm on D's input layer): not a published setting, but one where the methods train within 512 kimg; with
  Unrolled GAN's first-order approximation beside the paper's method.
* ``small_d_dcgan_equal_lr`` — ``small_d_dcgan`` with G's learning rate raised to D's (2e-4, DCGAN's), every method
  alike: with PacGAN's 1e-4 the unrolled G falls behind D for good, with 2e-4 it comes back as the plain G does.
* ``dcgan`` — the VEEGAN/PacGAN Table 2 setting: each method with its ganzoo defaults on DCGAN networks: ``dcgan``,
  ``minibatch_gan --model.backbone dcgan``, ``wgan_gp``, ``pacgan`` (m = 2), and the R3GAN loss
  (``configs/r3gan_stacked_mnist.yaml``: relativistic pairing + R1 + R2 on the DCGAN networks).

Budget: ``--kimg`` thousand real images per run (512: four passes over the set); the papers train far longer
(PacGAN's small-D runs: 500,000 iterations of 128), so this is a CPU-sized comparison of the same methods, not a
reproduction of their lengths. Resumable per (setting, method, seed): a finished one has a row in
``benchmarks/results/stacked_mnist.jsonl`` and is skipped; an interrupted one resumes from its last checkpoint
(written every 500 steps), with its clock. A larger ``--kimg`` continues each run from where the smaller budget
left it and adds a row per budget, so the table shows how the numbers move with training length. ``--quick`` (CI):
1 kimg, two methods, rows under ``results/ci/``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from budget import Budget, Clock, last_checkpoint, load_rows, run_record

from ganzoo.cli import expand_aliases
from ganzoo.lightning_cli import run_cli
from ganzoo.metrics import EvaluationOptions, evaluate

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results" / "stacked_mnist.jsonl"
#: z, batch and Adam settings of PacGAN's code of Metz et al.'s experiment, shared by both small-D settings.
SMALL_D_TRAINING = [
    *("--model.latent_dim", "256", "--data.batch_size", "128"),
    *("--model.optimizer_d", "Adam", "--model.optimizer_d.lr", "2e-4", "--model.optimizer_d.betas", "[0.5, 0.99]"),
    *("--model.optimizer_g", "Adam", "--model.optimizer_g.lr", "1e-4", "--model.optimizer_g.betas", "[0.5, 0.99]"),
]
#: Metz et al.'s networks as PacGAN's ``unrolled_GAN_experiment`` (D=0.25G) builds them (ganzoo's ``metz`` backbone:
#: G 64-32-16-8, D 2-4-8 with 3×3 kernels and BatchNorm on every layer) at their 28×28.
SMALL_D = ["--model.backbone", "metz", "--data.image_size", "28", *SMALL_D_TRAINING]
#: The same widths on ganzoo's DCGAN backbone (4×4 kernels, no BatchNorm on D's input layer, G 64-32-16 at 32×32):
#: the setting's first version, kept because it trains within a CPU budget where the exact networks barely start.
SMALL_D_DCGAN = [
    *("--model.backbone", "dcgan", "--model.base_channels", "16", "--model.d_base_channels", "2"),
    *SMALL_D_TRAINING,
]
#: The same with G's learning rate raised to D's, DCGAN's 2e-4: at PacGAN's 1e-4 the unrolled G, whose gradient is
#: shorter once D leads, falls behind the D and never comes back.
SMALL_D_DCGAN_EQUAL_LR = [*SMALL_D_DCGAN, "--model.optimizer_g.lr", "2e-4"]
#: setting → method → the ``ganzoo fit`` arguments that make it.
SETTINGS: dict[str, dict[str, list[str]]] = {
    "small_d": {
        "dcgan (k = 0)": ["--model", "vanilla_gan", *SMALL_D],
        "unrolled_gan (k = 5)": ["--model", "unrolled_gan", *SMALL_D, "--model.unroll_steps", "5"],
        "unrolled_gan (k = 10)": ["--model", "unrolled_gan", *SMALL_D, "--model.unroll_steps", "10"],
        "pacgan (m = 2)": ["--model", "pacgan", *SMALL_D, "--model.pack", "2"],
        "pacgan (m = 3)": ["--model", "pacgan", *SMALL_D, "--model.pack", "3", "--data.batch_size", "126"],
        "pacgan (m = 4)": ["--model", "pacgan", *SMALL_D, "--model.pack", "4"],
    },
    "small_d_dcgan": {
        "dcgan (k = 0)": ["--model", "vanilla_gan", *SMALL_D_DCGAN],
        "unrolled_gan (k = 5)": ["--model", "unrolled_gan", *SMALL_D_DCGAN, "--model.unroll_steps", "5"],
        "unrolled_gan (k = 5, first order)": ["--model", "unrolled_gan", *SMALL_D_DCGAN, "--model.unroll_steps", "5",
                                              "--model.second_order", "false"],
        "pacgan (m = 2)": ["--model", "pacgan", *SMALL_D_DCGAN, "--model.pack", "2"],
    },
    "small_d_dcgan_equal_lr": {
        "dcgan (k = 0)": ["--model", "vanilla_gan", *SMALL_D_DCGAN_EQUAL_LR],
        "unrolled_gan (k = 5)": ["--model", "unrolled_gan", *SMALL_D_DCGAN_EQUAL_LR, "--model.unroll_steps", "5"],
        "unrolled_gan (k = 10)": ["--model", "unrolled_gan", *SMALL_D_DCGAN_EQUAL_LR, "--model.unroll_steps", "10"],
        "unrolled_gan (k = 5, first order)": ["--model", "unrolled_gan", *SMALL_D_DCGAN_EQUAL_LR,
                                              "--model.unroll_steps", "5", "--model.second_order", "false"],
        "pacgan (m = 2)": ["--model", "pacgan", *SMALL_D_DCGAN_EQUAL_LR, "--model.pack", "2"],
        "pacgan (m = 4)": ["--model", "pacgan", *SMALL_D_DCGAN_EQUAL_LR, "--model.pack", "4"],
    },
    "dcgan": {
        "dcgan": ["--model", "dcgan"],
        "minibatch_gan": ["--model", "minibatch_gan", "--model.backbone", "dcgan"],
        "wgan_gp": ["--model", "wgan_gp"],
        "pacgan (m = 2)": ["--model", "pacgan", "--model.pack", "2"],
        "r3gan loss": ["--config", str(REPO / "configs" / "r3gan_stacked_mnist.yaml")],
    },
}
#: Published (modes, KL) as mean ± spread: PacGAN (Lin et al. 2018) Tables 2 and 3 (Metz et al.'s rows as PacGAN
#: quotes them; ± is PacGAN's standard error), R3GAN (Huang et al. 2024).
PUBLISHED: dict[str, list[tuple[str, str, str]]] = {
    "small_d": [
        ("DCGAN (Metz et al.)", "30.6 ± 20.73", "5.99 ± 0.42"),
        ("Unrolled GAN, 5 steps (Metz et al.)", "236.4 ± 63.30", "4.67 ± 0.43"),
        ("Unrolled GAN, 10 steps (Metz et al.)", "327.2 ± 74.67", "4.66 ± 0.46"),
        ("PacDCGAN2 (PacGAN)", "484.5 ± 32.99", "2.61 ± 0.22"),
        ("PacDCGAN4 (PacGAN)", "667.4 ± 29.00", "1.81 ± 0.15"),
    ],
    "dcgan": [
        ("DCGAN (VEEGAN)", "99.0", "3.40"),
        ("Unrolled GAN (VEEGAN)", "48.7", "4.32"),
        ("VEEGAN", "150.0", "2.95"),
        ("PacDCGAN2 (PacGAN)", "1000.0 ± 0.00", "0.06 ± 0.003"),
        ("R3GAN", "1000", "0.029"),
    ],
}
TITLES = {
    "small_d": "D a quarter of G (Metz et al.; PacGAN Table 3)",
    "small_d_dcgan": "D a quarter of G on ganzoo's DCGAN backbone (the same widths; not a published setting)",
    "small_d_dcgan_equal_lr": "The same, G's learning rate equal to D's (2e-4, DCGAN's; PacGAN's code: 1e-4)",
    "dcgan": "DCGAN networks (VEEGAN; PacGAN Table 2)",
}


def train(setting: str, method: str, seed: int, args: argparse.Namespace, workdir: Path) -> tuple[Any, Any, Clock]:
    resume = last_checkpoint(workdir)
    budget = {"class_path": "budget.Budget", "init_args": {"kimg": args.kimg}}
    cli = run_cli(
        expand_aliases(
            [
                "fit",
                *("--data", "stacked_mnist"),
                *("--data.image_size", "32"),  # a setting may set its own
                *SETTINGS[setting][method],
                *("--data.root", args.data_root),
                *(("--data.num_samples", "2048") if args.quick else ()),
                *("--seed_everything", str(seed)),
                *("--trainer.max_epochs", "-1"),
                *("--trainer.limit_val_batches", "0"),
                *("--trainer.default_root_dir", str(workdir)),
                *("--trainer.enable_progress_bar", "false"),
                *("--trainer.enable_model_summary", "false"),
                *("--checkpoint.every_n_epochs", "null", "--checkpoint.every_n_train_steps", "500"),
                *("--metrics.metrics", "[]"),
                f"--trainer.callbacks+={json.dumps(budget)}",
                '--trainer.callbacks+={"class_path": "budget.Clock"}',
                *(("--ckpt_path", str(resume)) if resume else ()),
            ]
        )
    )
    assert any(isinstance(cb, Budget) for cb in cli.trainer.callbacks)
    clock = next(cb for cb in cli.trainer.callbacks if isinstance(cb, Clock))
    return cli.model, cli.datamodule, clock


def run(setting: str, method: str, seed: int, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    net, dm, clock = train(setting, method, seed, args, workdir)
    net.eval()
    start = time.perf_counter()
    values = {r["metric"]: r["value"] for r in evaluate(net, dm, ["modes_stacked"], EvaluationOptions(seed=seed))}
    return {
        "setting": setting,
        "method": method,
        "seed": seed,
        "args": SETTINGS[setting][method],
        "modes": values["modes_stacked_26k"],
        "kl": values["kl_stacked_26k"],
        **run_record(net, clock, time.perf_counter() - start),
    }


def mean_std(values: list[float], digits: int) -> str:
    spread = f" ± {statistics.stdev(values):.{digits}f}" if len(values) > 1 else ""
    return f"{statistics.mean(values):.{digits}f}{spread}"


def current(row: dict[str, Any]) -> bool:
    """Whether a stored row was trained with its method's command line as it stands (config files by name): rows of
    an earlier version of a setting stay in the file but leave the table."""

    def command(args: list[str]) -> list[str]:
        return [Path(a).name if a.endswith(".yaml") else a for a in args]

    method = SETTINGS.get(row["setting"], {}).get(row["method"])
    return method is not None and command(row["args"]) == command(method)


def table(rows: list[dict[str, Any]], setting: str) -> str:
    """Published rows, then ganzoo's per method: mean ± std over its seeds at the budget measured."""
    lines = [f"{TITLES[setting]}:", "", "| method | modes (of 1,000) | KL | seeds | kimg | minutes per run |",
             "|---|---|---|---|---|---|"]  # fmt: skip
    lines += [f"| {name} (published) | {modes} | {kl} | | | |" for name, modes, kl in PUBLISHED.get(setting, [])]
    for method in SETTINGS[setting]:
        ours = [r for r in rows if r["setting"] == setting and r["method"] == method and current(r)]
        for kimg in sorted({round(r["kimg"]) for r in ours}):  # one line per budget: longer runs extend shorter ones
            mine = [r for r in ours if round(r["kimg"]) == kimg]
            # Rows of a sitting whose wall clock was not measured (a fixed bug, see budget.Clock) have it null.
            timed = [(r["fit_seconds"] + r["eval_seconds"]) / 60 for r in mine if r["fit_seconds"] is not None]
            minutes = f"{statistics.mean(timed):.0f}" if timed else "—"
            modes, kl = mean_std([r["modes"] for r in mine], 1), mean_std([r["kl"] for r in mine], 2)
            lines.append(f"| ganzoo {method} | {modes} | {kl} | {len(mine)} | {kimg} | {minutes} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--settings", nargs="+", choices=list(SETTINGS), default=list(SETTINGS))
    parser.add_argument("--methods", nargs="+", default=None, help="method names (default: all of the setting's)")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--kimg", type=float, default=512.0, help="thousands of real images per run")
    parser.add_argument("--quick", action="store_true", help="1 kimg, two methods, one seed: a smoke check")
    parser.add_argument("--data-root", default=os.environ.get("GANZOO_DATA_ROOT", str(REPO.parent / "shared" / "data")))
    parser.add_argument("--workdir", type=Path, default=REPO / "runs" / "stacked_mnist")
    parser.add_argument("--table-only", action="store_true", help="print the tables of the stored rows and stop")
    args = parser.parse_args()
    out = RESULTS
    if args.quick:
        out = REPO / "benchmarks" / "results" / "ci" / "stacked_mnist_quick.jsonl"
        args.settings, args.methods, args.seeds, args.kimg = ["small_d"], ["dcgan (k = 0)", "pacgan (m = 2)"], [0], 1
        args.workdir = Path(tempfile.mkdtemp(prefix="stacked-mnist-"))
    if not args.table_only:
        out.parent.mkdir(parents=True, exist_ok=True)
        rows = [r for r in load_rows(out) if current(r) and round(r["kimg"]) == round(args.kimg)]
        done = {(r["setting"], r["method"], r["seed"]) for r in rows}
        for setting in args.settings:
            methods = args.methods or list(SETTINGS[setting])
            unknown = [m for m in methods if m not in SETTINGS[setting]]
            if unknown:
                parser.error(f"unknown methods {unknown} for {setting}; choose from {list(SETTINGS[setting])}")
            for method in methods:
                for seed in args.seeds:
                    if (setting, method, seed) in done:
                        continue
                    name = re.sub(r"[^a-z0-9]+", "_", f"{setting} {method} seed{seed}")
                    row = run(setting, method, seed, args, args.workdir / name)
                    with out.open("a") as f:
                        f.write(json.dumps(row) + "\n")
                    print(json.dumps(row), flush=True)
    rows = load_rows(out)
    print("\n\n".join(table(rows, s) for s in args.settings))


if __name__ == "__main__":
    main()
