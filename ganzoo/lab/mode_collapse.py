"""§3.1 of the notes: mode collapse, and the two cures the notes name (minibatch discrimination, Unrolled GAN), plus
packing (PacGAN), in one seeded setting where the plain GAN collapses."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import lightning as L

from ganzoo.data import RingData
from ganzoo.lab import experiment
from ganzoo.lab.figures import pyplot, save, scatter
from ganzoo.lab.recording import train_recorded
from ganzoo.lab.toys import adam
from ganzoo.models import MinibatchGAN, PacGAN, UnrolledGAN, VanillaGAN

#: Metz et al.'s (2017) ring experiment: ReLU MLPs of 2×128, z of 256, Adam 1e-4 (β1 0.5) for both players,
#: σ = 0.01; batch 256 instead of their 512, which keeps minibatch discrimination's pairwise distances (quadratic in
#: the batch) within the lab's minutes. The plain GAN covers one mode at a time here (seed 0).
METZ = {"activation": "relu", "latent_dim": 256, "optimizer_g": adam(1e-4), "optimizer_d": adam(1e-4)}
METHODS: dict[str, tuple[type, dict[str, Any]]] = {
    "plain GAN": (VanillaGAN, {"g_hidden": (128, 128), "d_hidden": (128, 128)}),
    "minibatch discrimination": (MinibatchGAN, {"hidden": (128, 128)}),
    "Unrolled GAN (k = 5)": (UnrolledGAN, {"g_hidden": (128, 128), "d_hidden": (128, 128), "unroll_steps": 5}),
    "PacGAN (m = 2)": (PacGAN, {"g_hidden": (128, 128), "d_hidden": (128, 128), "pack": 2}),
}


@experiment("mode-collapse", "3.1", "in a setting where the plain GAN covers one mode of eight at a time, minibatch "
            "discrimination and packing cover more; Unrolled GAN (k = 5) barely does within this budget")  # fmt: skip
def mode_collapse(out: Path, tiny: bool) -> dict[str, Any]:
    steps, snapshots = (8, 2) if tiny else (1000, 4)
    records = {}
    for name, (cls, settings) in METHODS.items():
        L.seed_everything(0, verbose=False)
        data = RingData(num_samples=20_000, batch_size=256)
        records[name] = train_recorded(cls(data_shape=(2,), **METZ, **settings), data, steps, snapshots, every=10)
    modes = RingData().modes
    plt = pyplot()
    fig, axes = plt.subplots(len(METHODS), snapshots, figsize=(2.6 * snapshots, 2.6 * len(METHODS)), squeeze=False)
    numbers: dict[str, Any] = {"steps": steps}
    for row, (name, record) in enumerate(records.items()):
        for col, step in enumerate(sorted(record.snapshots)):
            title = f"{name}\nstep {step}: {record.coverage[step]['modes']:.0f}/8 modes" if col == 0 else \
                f"step {step}: {record.coverage[step]['modes']:.0f}/8 modes"  # fmt: skip
            scatter(axes[row][col], record.snapshots[step], modes, title)
        numbers[name] = {f"modes_at_{s}": record.coverage[s]["modes"] for s in sorted(record.coverage)}
        numbers[name]["modes_mean"] = sum(c["modes"] for c in record.coverage.values()) / len(record.coverage)
    fig.suptitle("Ring of 8 Gaussians, Metz et al.'s setting (seed 0): 2,500 samples per snapshot, modes = "
                 "modes with a sample within 3σ")  # fmt: skip
    numbers["figures"] = [save(fig, out / "mode-collapse.png")]
    return numbers
