"""§3.2 of the notes: the D/G balance. The same GAN with 1 and 5 discriminator steps per generator step and with a
too-fast discriminator, and WGAN-GP, on the ring: their losses and sample quality over training."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from ganzoo.lab import experiment
from ganzoo.lab.figures import pyplot, save
from ganzoo.lab.toys import adam, toy_gan, train_each
from ganzoo.models import WGANGP

RUNS: dict[str, tuple[type | None, dict[str, Any]]] = {
    "GAN, 1 D step per G step": (None, {}),
    "GAN, 5 D steps per G step": (None, {"n_critic": 5}),
    "GAN, 10× faster D (lr_D 1e-2)": (None, {"optimizer_d": adam(1e-2)}),
    "WGAN-GP, 5 critic steps": (WGANGP, {"backbone": "mlp", "hidden": (128, 128), "g_norm": "none",
                                         "d_norm": "none", "optimizer_g": adam(1e-4, 0.5, 0.9),
                                         "optimizer_d": adam(1e-4, 0.5, 0.9)}),  # fmt: skip
}


@experiment("instability", "3.2", "the D/G balance decides: with D slower than G, D's loss sits at log 4 and G "
            "learns little; more D steps or a faster D restore the signal")  # fmt: skip
def instability(out: Path, tiny: bool) -> dict[str, Any]:
    steps = 10 if tiny else 600
    builders = {name: functools.partial(toy_gan, **settings) if cls is None else
                functools.partial(cls, data_shape=(2,), activation="tanh", latent_dim=64, **settings)
                for name, (cls, settings) in RUNS.items()}  # fmt: skip
    records = train_each(builders, steps)
    plt = pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.2))
    numbers: dict[str, Any] = {"steps": steps}
    for name, record in records.items():
        axes[0].plot(record.steps, record.series("loss_d"), label=name, alpha=0.8)
        axes[1].plot(record.steps, record.series("loss_g"), label=name, alpha=0.8)
        axes[2].plot(*record.at_snapshots("hq_pct"), marker="o", label=name)
        numbers[name] = {"hq_pct": record.at_snapshots("hq_pct")[1], "modes": record.at_snapshots("modes")[1]}
    axes[0].set(xlabel="generator steps", ylabel="D's loss (nats; the critic's for WGAN-GP)",
                title="Discriminator loss")  # fmt: skip
    axes[1].set(xlabel="generator steps", ylabel="G's loss", title="Generator loss")
    axes[2].set(xlabel="generator steps", ylabel="samples within 3σ of a mode (%)", ylim=(-2, 102),
                title="Sample quality (ring, σ = 0.05)")  # fmt: skip
    for ax in axes:
        ax.legend(fontsize=7)
    numbers["figures"] = [save(fig, out / "instability.png")]
    return numbers
