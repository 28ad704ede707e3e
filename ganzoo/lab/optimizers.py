"""§2 of the notes: the alternating updates run on SGD or Adam; the same GAN with SGD, Adam β1 = 0.9 (Adam's
default) and Adam β1 = 0.5 (DCGAN's)."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from ganzoo.lab import experiment
from ganzoo.lab.figures import pyplot, save
from ganzoo.lab.toys import adam, sgd, toy_gan, train_each

RUNS = {
    "SGD (lr 0.05 G, 0.005 D)": (sgd(0.05), sgd(0.005)),
    "Adam β1 = 0.9 (1e-3 G, 1e-4 D)": (adam(1e-3, 0.9), adam(1e-4, 0.9)),
    "Adam β1 = 0.5 (1e-3 G, 1e-4 D)": (adam(1e-3, 0.5), adam(1e-4, 0.5)),
}


@experiment("optimizers", "2", "Adam with β1 = 0.5 (DCGAN's choice) learns steadily; with Adam's default β1 = 0.9 "
            "D's loss oscillates; SGD barely moves D's loss off log 4")  # fmt: skip
def optimizers(out: Path, tiny: bool) -> dict[str, Any]:
    steps = 10 if tiny else 800
    builders = {name: functools.partial(toy_gan, optimizer_g=g, optimizer_d=d) for name, (g, d) in RUNS.items()}
    records = train_each(builders, steps, snapshots=8)
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.2))
    numbers: dict[str, Any] = {"steps": steps}
    for name, record in records.items():
        axes[0].plot(*record.at_snapshots("hq_pct"), marker="o", label=name)
        axes[1].plot(record.steps, record.series("loss_d"), label=name, alpha=0.8)
        numbers[name] = {"hq_pct": record.at_snapshots("hq_pct")[1], "modes": record.at_snapshots("modes")[1]}
    axes[0].set(xlabel="generator steps", ylabel="samples within 3σ of a mode (%)", ylim=(-2, 102),
                title="Sample quality (ring, σ = 0.05)")  # fmt: skip
    axes[1].set(xlabel="generator steps", ylabel="D's loss (nats)", title="Discriminator loss (log 4 ≈ 1.39 at D = ½)")
    for ax in axes:
        ax.legend(fontsize=8)
    numbers["figures"] = [save(fig, out / "optimizers.png")]
    return numbers
