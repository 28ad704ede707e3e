"""Discriminator rejection sampling: exact on a known density ratio, refitting leaves the model alone."""

from __future__ import annotations

import pytest
import torch
from torch import Tensor, nn

from ganzoo.data import RingData
from ganzoo.models import CGAN, WGANGP, MinibatchGAN, VanillaGAN
from ganzoo.rejection import refit_discriminator, rejection_sample

SHIFT = torch.tensor([1.0, 0.0])


class FirstTwo(nn.Module):
    """A fixed generator: x = z[:, :2], so p_g = N(0, I₂)."""

    def forward(self, z: Tensor) -> Tensor:
        return z[:, :2]


class ExactLogRatio(nn.Module):
    """log N(x; SHIFT, I) / N(x; 0, I) = x·SHIFT − |SHIFT|²/2: the optimal discriminator's logit for that data."""

    def forward(self, x: Tensor) -> Tensor:
        return (x @ SHIFT - SHIFT.square().sum() / 2).unsqueeze(1)


def toy_model(**kwargs) -> VanillaGAN:
    return VanillaGAN(data_shape=(2,), latent_dim=4, g_hidden=(16,), d_hidden=(16,), **kwargs)


def test_rejection_with_the_optimal_discriminator_samples_the_data_distribution() -> None:
    model = toy_model()
    model.generator, model.discriminator = FirstTwo(), ExactLogRatio()
    g = torch.Generator().manual_seed(0)
    samples, rate = rejection_sample(model, 4000, quantile=None, burn_in=50_000, generator=g)
    assert samples.shape == (4000, 2)
    # Accepting with exp(D − D_M) turns N(0, I) into N(SHIFT, I): mean SHIFT (standard error 0.016), unit variance.
    assert torch.allclose(samples.mean(0), SHIFT, atol=0.08)
    assert torch.allclose(samples.var(0), torch.ones(2), atol=0.1)
    assert 0 < rate < 0.1  # E[exp(D − D_M)] = exp(−D_M) with D_M ≈ 3.8: few samples survive


def test_the_gamma_shift_keeps_more_samples_and_still_favours_the_data() -> None:
    model = toy_model()
    model.generator, model.discriminator = FirstTwo(), ExactLogRatio()
    exact, exact_rate = rejection_sample(model, 2000, quantile=None, generator=torch.Generator().manual_seed(0))
    shifted, rate = rejection_sample(model, 2000, quantile=0.5, generator=torch.Generator().manual_seed(0))
    assert rate > exact_rate
    assert 0.3 < shifted[:, 0].mean() < exact[:, 0].mean() + 0.1


def test_refit_trains_a_copy_of_the_discriminator_against_the_frozen_generator() -> None:
    torch.manual_seed(0)
    dm = RingData(num_samples=2048, batch_size=256)
    dm.setup("fit")
    model = toy_model(activation="tanh")
    before = {k: v.clone() for k, v in model.state_dict().items()}
    batch = next(iter(dm.train_dataloader()))
    loss_before = model.discriminator_loss(batch)["loss"].item()
    refit = refit_discriminator(model, dm.train_dataloader(), steps=150, lr=1e-2)
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())  # the model is untouched
    assert refit.d_steps == model.d_steps + 150  # lazy regularisers (R1) keep their schedule
    torch.manual_seed(1)
    assert refit.discriminator_loss(batch)["loss"].item() < loss_before - 0.1
    refit_g = dict(refit.generator.named_parameters())
    assert all(torch.equal(p, refit_g[name]) for name, p in model.generator.named_parameters())
    assert any(not torch.equal(p, dict(refit.discriminator.named_parameters())[n])
               for n, p in model.discriminator.named_parameters())  # fmt: skip


@pytest.mark.parametrize(
    "model",
    [
        WGANGP(data_shape=(2,), backbone="mlp", hidden=(8,), latent_dim=4),
        CGAN(data_shape=(1, 16, 16), num_classes=3, base_channels=8),
        MinibatchGAN(data_shape=(2,), hidden=(8,), latent_dim=4),
        MinibatchGAN(data_shape=(2,), hidden=(8,), latent_dim=4, layer="stddev"),
    ],
    ids=["wasserstein critic", "conditional", "minibatch discrimination", "minibatch stddev"],
)
def test_models_without_an_unconditional_per_sample_logistic_discriminator_are_refused(model) -> None:
    with pytest.raises(ValueError, match="rejection sampling"):
        rejection_sample(model, 10)
