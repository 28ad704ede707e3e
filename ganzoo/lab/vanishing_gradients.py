"""§3.3 of the notes' remedies for vanishing gradients: BatchNorm and the learning rate, measured through G's
gradient norm and sample quality, on a deeper generator where they matter."""

from __future__ import annotations

import functools
import statistics
from pathlib import Path
from typing import Any

from ganzoo.lab import experiment
from ganzoo.lab.figures import pyplot, save
from ganzoo.lab.toys import adam, toy_gan, train_each

DEEP = (128, 128, 128, 128)


@experiment("vanishing-gradients", "3.3", "with a deep tanh generator, BatchNorm with the larger learning rate learns "
            "fastest, and G's gradient norm alone does not predict which run learns")  # fmt: skip
def vanishing_gradients(out: Path, tiny: bool) -> dict[str, Any]:
    steps = 10 if tiny else 600
    runs = {f"{'BatchNorm' if norm == 'batch' else 'no norm'}, lr {lr:g}": (norm, lr)
            for norm in ("none", "batch") for lr in (1e-4, 1e-3)}  # fmt: skip
    builders = {name: functools.partial(toy_gan, g_hidden=DEEP, g_norm=norm, optimizer_g=adam(lr),
                                        optimizer_d=adam(lr / 10)) for name, (norm, lr) in runs.items()}  # fmt: skip
    records = train_each(builders, steps)
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.2))
    numbers: dict[str, Any] = {"steps": steps, "generator": f"{len(DEEP)}×{DEEP[0]} tanh MLP"}
    for name, record in records.items():
        grads = record.series("grad_norm_g")
        axes[0].plot(record.steps, grads, label=name, alpha=0.8)
        axes[1].plot(*record.at_snapshots("hq_pct"), marker="o", label=name)
        numbers[name] = {"g_grad_norm_median": statistics.median(grads),
                         "hq_pct_final": record.at_snapshots("hq_pct")[1][-1],
                         "modes_final": record.at_snapshots("modes")[1][-1]}  # fmt: skip
    axes[0].set(xlabel="generator steps", ylabel="‖∇G‖", yscale="log", title="G's gradient norm (D lr = G lr / 10)")
    axes[1].set(xlabel="generator steps", ylabel="samples within 3σ of a mode (%)", ylim=(-2, 102),
                title="Sample quality (ring, σ = 0.05)")  # fmt: skip
    for ax in axes:
        ax.legend(fontsize=8)
    numbers["figures"] = [save(fig, out / "vanishing-gradients.png")]
    return numbers
