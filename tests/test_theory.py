"""The GAN notes' theory (section 1.3), checked numerically: the optimal discriminator and V(D*, G)."""

import math

import pytest
import torch
from torch import nn

from ganzoo.losses import d_logistic


def normal_pdf(x: torch.Tensor, mean: float, std: float = 1.0) -> torch.Tensor:
    return torch.exp(-0.5 * ((x - mean) / std) ** 2) / (std * math.sqrt(2 * math.pi))


def test_trained_discriminator_approaches_the_optimal_one_and_its_value_gives_the_jsd():
    # p_data = N(0, 1), a fixed generator with p_g = N(1.5, 1); D* = p_data / (p_data + p_g).
    torch.manual_seed(0)
    d = nn.Sequential(nn.Linear(1, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh(), nn.Linear(64, 1))
    opt = torch.optim.Adam(d.parameters(), lr=3e-3)
    for _ in range(1500):
        real, fake = torch.randn(512, 1), torch.randn(512, 1) + 1.5
        loss = d_logistic(d(real).squeeze(1), d(fake).squeeze(1))  # the ganzoo D loss = −V(D, G)
        opt.zero_grad()
        loss.backward()
        opt.step()

    x = torch.linspace(-2.0, 3.5, 200).unsqueeze(1)
    d_star = normal_pdf(x, 0.0) / (normal_pdf(x, 0.0) + normal_pdf(x, 1.5))
    with torch.no_grad():
        d_trained = torch.sigmoid(d(x))
    assert (d_trained - d_star).abs().max() < 0.05  # within ±0.05 on the bulk of both densities

    # V(D*, G) = −log 4 + 2·JSD(p_data ‖ p_g), with the JSD from numerical integration.
    grid = torch.linspace(-10, 11.5, 200_001, dtype=torch.float64)
    p, q = normal_pdf(grid, 0.0), normal_pdf(grid, 1.5)
    m = (p + q) / 2
    jsd = 0.5 * torch.trapezoid(p * torch.log(p / m), grid) + 0.5 * torch.trapezoid(q * torch.log(q / m), grid)
    with torch.no_grad():
        real, fake = torch.randn(200_000, 1), torch.randn(200_000, 1) + 1.5
        value = -d_logistic(d(real).squeeze(1), d(fake).squeeze(1)).item()
    assert value == pytest.approx(-math.log(4) + 2 * jsd.item(), abs=0.01)
    assert value > -math.log(4)  # p_g ≠ p_data, so the JSD is positive
