"""§1.3 of the notes: for a fixed G, the best D is D*(x) = p_data / (p_data + p_g), and V(D*, G) = −log 4 + 2·JSD."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import torch

from ganzoo.lab import experiment
from ganzoo.lab.figures import pyplot, save
from ganzoo.losses import d_logistic
from ganzoo.nets import MLPDiscriminator

#: p_data: a two-component Gaussian mixture; the fixed generator: one wide Gaussian (all densities known).
DATA = ((-1.5, 0.5, 0.5), (1.5, 0.5, 0.5))  # (mean, std, weight)
GENERATOR = ((0.5, 1.2, 1.0),)


def density(x: torch.Tensor, mixture: tuple[tuple[float, float, float], ...]) -> torch.Tensor:
    return sum(w * torch.exp(-0.5 * ((x - m) / s) ** 2) / (s * math.sqrt(2 * math.pi)) for m, s, w in mixture)


def draw(n: int, mixture: tuple[tuple[float, float, float], ...]) -> torch.Tensor:
    weights = torch.tensor([w for _, _, w in mixture])
    k = torch.multinomial(weights, n, replacement=True)
    means, stds = torch.tensor([m for m, _, _ in mixture]), torch.tensor([s for _, s, _ in mixture])
    return (means[k] + stds[k] * torch.randn(n)).unsqueeze(1)


def jsd(grid: torch.Tensor) -> float:
    """JSD(p_data ‖ p_g) by numerical integration on ``grid``."""
    p, q = density(grid, DATA), density(grid, GENERATOR)
    m = (p + q) / 2
    kl = lambda a: torch.trapezoid(torch.where(a > 0, a * torch.log(a / m), torch.zeros_like(a)), grid)  # noqa: E731
    return float(0.5 * kl(p) + 0.5 * kl(q))


@experiment("optimal-d", "1.3", "a D trained against a fixed G approaches D* = p_data/(p_data + p_g), and its value "
            "V(D, G) approaches −log 4 + 2·JSD(p_data ‖ p_g)")  # fmt: skip
def optimal_d(out: Path, tiny: bool) -> dict[str, Any]:
    steps, batch = 3000, 512  # seconds already; fewer steps leave D visibly short of D* in the tails
    del tiny
    d = MLPDiscriminator((1,), hidden=(64, 64), activation="tanh")  # ganzoo's own MLP discriminator
    optimizer = torch.optim.Adam(d.parameters(), lr=3e-3)
    values, checkpoints = [], []
    for step in range(1, steps + 1):
        loss = d_logistic(d(draw(batch, DATA)), d(draw(batch, GENERATOR)))  # ganzoo's D loss is −V(D, G)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step % max(1, steps // 60) == 0:
            with torch.no_grad():  # V on a large fresh sample, so the curve is the value, not batch noise
                values.append(-float(d_logistic(d(draw(20_000, DATA)), d(draw(20_000, GENERATOR)))))
                checkpoints.append(step)

    x = torch.linspace(-4, 5, 400)
    p_data, p_g = density(x, DATA), density(x, GENERATOR)
    d_star = p_data / (p_data + p_g)
    with torch.no_grad():
        d_x = torch.sigmoid(d(x.unsqueeze(1)))
    support = (p_data + p_g) > 0.01 * float((p_data + p_g).max())  # where either density has mass
    max_gap = float((d_x - d_star).abs()[support].max())
    target = -math.log(4) + 2 * jsd(torch.linspace(-12, 12, 200_001, dtype=torch.float64))

    plt = pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    left.fill_between(x, p_data / p_data.max(), alpha=0.2, color="tab:green", label="p_data (scaled)")
    left.fill_between(x, p_g / p_data.max(), alpha=0.2, color="tab:orange", label="p_g (scaled)")
    left.plot(x, d_star, "k--", label="D*(x) = p_data / (p_data + p_g)")
    left.plot(x, d_x, color="tab:blue", label=f"trained D(x), {steps} steps")
    left.set(xlabel="x", ylabel="D(x): probability that x is real", ylim=(0, 1.05),
             title=f"Optimal discriminator: max |D − D*| = {max_gap:.3f} on the support")  # fmt: skip
    left.legend(loc="upper right", fontsize=8)
    right.plot(checkpoints, values, color="tab:blue", label="V(D, G) of the trained D (20k samples)")
    right.axhline(target, color="k", ls="--", label=f"−log 4 + 2·JSD = {target:.3f}")
    right.axhline(-math.log(4), color="tab:gray", ls=":", label="−log 4 (p_g = p_data)")
    right.set(xlabel="discriminator steps", ylabel="V(D, G) (nats)", title="D's value approaches −log 4 + 2·JSD")
    right.legend(fontsize=8)
    figure = save(fig, out / "optimal-d.png")
    return {"max_abs_d_minus_dstar": max_gap, "value_final": values[-1], "value_theory": target,
            "jsd": (target + math.log(4)) / 2, "steps": steps, "figures": [figure]}  # fmt: skip
