"""DRAGAN (Kodali et al. 2017): its penalty sits between the real data and noisy copies of it."""

import pytest
import torch

from ganzoo.models import DRAGAN
from ganzoo.regularizers import dragan_penalty


def test_the_penalty_of_a_linear_critic_is_hand_computable():
    w = torch.tensor([3.0, 4.0])  # ‖∇‖ = 5 everywhere: (5 − 1)² = 16 wherever the points are
    assert dragan_penalty(lambda x: x @ w, torch.randn(8, 2)).item() == pytest.approx(16.0)


def test_the_penalty_looks_only_near_the_real_data():
    seen = []

    def critic(x):
        seen.append(x.detach())
        return x.square().sum(1)

    real = torch.randn(256, 3, 4, 4)
    dragan_penalty(critic, real, perturbation=0.5)
    offset = seen[0] - real
    # x̂ = x + α·0.5·std(x)·u with α, u in [0, 1): never below x, never more than half a standard deviation above.
    assert offset.min() >= 0 and offset.max() <= 0.5 * real.std() + 1e-6
    # One α per sample: the offsets of a sample are one draw of u scaled by its own α.
    assert offset.flatten(1).max(1).values.std() > 0.01


def test_dragan_trains_a_step_and_logs_its_penalty():
    model = DRAGAN(data_shape=(1, 16, 16), base_channels=8, latent_dim=8)
    assert model.backbone == "dcgan"
    real = torch.rand(8, 1, 16, 16) * 2 - 1
    losses = model.discriminator_loss((real, torch.zeros(8, dtype=torch.long)))
    assert losses["gp"] > 0 and torch.isfinite(losses["loss"])
    losses["loss"].backward()
    assert all(p.grad is not None for p in model.discriminator.parameters())
