"""§2 and §3.3 of the notes: G's minimax loss log(1 − D(G(z))) saturates where D rejects the fakes; the
non-saturating −log D(G(z)) does not."""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

import lightning as L
import torch

from ganzoo.lab import experiment
from ganzoo.lab.figures import pyplot, save
from ganzoo.lab.recording import train_recorded
from ganzoo.lab.toys import pretrain_discriminator, ring, same_start, toy_gan

LOSSES = {"minimax": "minimax: log(1 − D(G(z)))", "non_saturating": "non-saturating: −log D(G(z))"}
#: The first recorded generator steps (every second step), where D is ahead: their G gradients are compared.
EARLY = 3


@experiment("saturation", "2, 3.3", "where D confidently rejects the fakes (D(G(z)) ≈ 0), the minimax G loss gives "
            "G almost no gradient and the non-saturating loss a strong one")  # fmt: skip
def saturation(out: Path, tiny: bool) -> dict[str, Any]:
    steps, pretrain = (20, 100) if tiny else (1000, 500)
    L.seed_everything(0, verbose=False)
    start = toy_gan()
    pretrain_discriminator(start, ring(), pretrain)  # D gets ahead: it rejects the untrained G's samples
    records = {}
    for loss in LOSSES:
        L.seed_everything(1, verbose=False)
        # Adam for both players: it divides each gradient by its running scale, so once the minimax G has a few
        # steps of (tiny) gradient behind it, its steps are as large as the non-saturating G's (see the figure).
        records[loss] = train_recorded(same_start(toy_gan(loss=loss), start), ring(), steps, snapshots=5, every=2)

    plt = pyplot()
    fig, axes = plt.subplots(1, 4, figsize=(20, 4))
    d = torch.linspace(1e-4, 1 - 1e-4, 500)
    # With D = σ(a): ∂/∂a log(1 − σ(a)) = −σ(a) = −D, and ∂/∂a (−log σ(a)) = −(1 − σ(a)) = −(1 − D).
    axes[0].plot(d, d, label="minimax: |∂/∂a log(1 − D)| = D")
    axes[0].plot(d, 1 - d, label="non-saturating: |∂/∂a (−log D)| = 1 − D")
    axes[0].set(xlabel="D(G(z))", ylabel="|gradient| w.r.t. D's logit a", yscale="log", ylim=(1e-4, 1.5),
                title="Gradient reaching G through D's logit (analytic)")  # fmt: skip
    axes[0].legend(fontsize=8)
    numbers: dict[str, Any] = {"steps": steps, "d_pretrain_steps": pretrain}
    for loss, record in records.items():
        grads, fakes = record.series("grad_norm_g"), record.series("d_fake")
        axes[1].plot(record.steps, grads, label=LOSSES[loss], alpha=0.8)
        axes[2].plot(record.steps, fakes, label=LOSSES[loss], alpha=0.8)
        axes[3].plot(*record.at_snapshots("modes"), marker="o", label=LOSSES[loss])
        early = min(EARLY, len(grads))
        numbers[loss] = {
            "g_grad_norm_first": grads[0],
            "g_grad_norm_early": statistics.mean(grads[:early]),
            "d_fake_at_start": fakes[0],
            "modes_final": record.at_snapshots("modes")[1][-1],
            "hq_pct_final": record.at_snapshots("hq_pct")[1][-1],
        }
    axes[1].set(xlabel="generator steps (log scale)", ylabel="‖∇G‖ (all G parameters)", xscale="log",
                yscale="log", title=f"G's gradient: same start, D pretrained {pretrain} steps")  # fmt: skip
    axes[2].set(xlabel="generator steps (log scale)", ylabel="mean D(G(z))", xscale="log", ylim=(0, 1),
                title="How long D keeps rejecting the fakes")  # fmt: skip
    axes[3].set(xlabel="generator steps", ylabel="modes covered (of 8)", ylim=(-0.2, 8.2),
                title="Sample quality on the ring (σ = 0.05)")  # fmt: skip
    for ax in axes:
        ax.legend(fontsize=8)
    numbers["figures"] = [save(fig, out / "saturation.png")]
    return numbers
