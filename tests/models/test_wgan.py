"""WGAN (weight clipping) and WGAN-GP (gradient penalty)."""

import pytest
import torch

from ganzoo.cli import main
from ganzoo.data import DigitsData, RingData
from ganzoo.models import WGAN, WGANGP
from ganzoo.regularizers import gradient_penalty
from tests.conftest import TINY, fit_briefly, run_ganzoo


def fit(model, dm, batches: int = 6) -> None:
    fit_briefly(model, dm, batches, val_batches=0)


def test_gradient_penalty_of_a_linear_critic_is_hand_computable():
    w, b = torch.tensor([3.0, 4.0, 0.0]), torch.tensor(0.7)
    real, fake = torch.randn(8, 3), torch.randn(8, 3)
    # ∇ₓ(w·x + b) = w everywhere, so the penalty is (‖w‖ − 1)² = (5 − 1)² whatever the interpolates.
    assert gradient_penalty(lambda x: x @ w + b, real, fake).item() == pytest.approx(16.0)


def test_gradient_penalty_draws_one_coefficient_per_sample_and_norms_over_all_pixels():
    real, fake = torch.randn(5, 2, 3, 3), torch.randn(5, 2, 3, 3)

    def critic(x):  # ∇ = x̂ itself
        return 0.5 * x.square().sum(dim=(1, 2, 3))

    torch.manual_seed(0)
    alpha = torch.rand(5, 1, 1, 1)  # one per sample, broadcast over C, H, W
    x_hat = alpha * real + (1 - alpha) * fake
    expected = (x_hat.flatten(1).norm(dim=1) - 1).square().mean()
    torch.manual_seed(0)
    assert gradient_penalty(critic, real, fake).item() == pytest.approx(expected.item(), rel=1e-6)


def test_the_penalty_reaches_the_critic_weights():
    model = WGANGP(data_shape=(1, 16, 16), base_channels=8)
    real, fake = torch.rand(4, 1, 16, 16) * 2 - 1, torch.rand(4, 1, 16, 16) * 2 - 1
    gp = model.discriminator_penalties(real, fake, None)["gp"]
    grads = torch.autograd.grad(gp, list(model.discriminator.parameters()), allow_unused=True)
    assert any(g is not None and g.abs().sum() > 0 for g in grads)


def test_wgan_clipping_keeps_every_critic_weight_in_range():
    model = WGAN(data_shape=(1, 16, 16), base_channels=8, clip_value=0.01)
    fit(model, DigitsData(image_size=16, batch_size=16))
    assert model.d_steps == 6 and model.g_steps == 1  # n_critic = 5
    assert all(p.abs().max() <= 0.01 for p in model.discriminator.parameters())
    assert isinstance(model.trainer.optimizers[1], torch.optim.RMSprop)


@pytest.mark.parametrize("backbone", ["dcgan", "mlp"])
def test_wgan_gp_trains_both_players_without_batchnorm_in_the_critic(backbone):
    model = WGANGP(data_shape=(1, 16, 16), backbone=backbone, base_channels=8, hidden=(32, 32), n_critic=2)
    assert not any(isinstance(m, torch.nn.BatchNorm2d | torch.nn.BatchNorm1d) for m in model.discriminator.modules())
    before = {k: v.clone() for k, v in model.state_dict().items()}
    fit(model, DigitsData(image_size=16, batch_size=16), batches=4)
    for role in ("generator.", "discriminator."):
        assert any(not torch.equal(v, model.state_dict()[k]) for k, v in before.items() if k.startswith(role))
    assert model.g_steps == 2


def test_wgan_gp_on_the_ring_with_an_mlp():
    dm = RingData(num_samples=256, batch_size=64)
    model = WGANGP(data_shape=dm.data_shape, backbone="mlp", hidden=(32, 32), g_norm="none", d_norm="none")
    fit(model, dm, batches=4)
    assert model.sample(3).shape == (3, 2)


def test_wgan_gp_from_the_cli_with_overrides():
    main(["fit", "--model", "wgan_gp", "--model.n_critic", "2", "--model.base_channels", "8", "--data", "digits",
          "--data.image_size", "16", "--data.batch_size", "16", *TINY])  # fmt: skip
    ckpt = torch.load("runs/wgan_gp-digits/version_0/checkpoints/last.ckpt", weights_only=True)
    assert ckpt["hyper_parameters"]["n_critic"] == 2 and ckpt["hyper_parameters"]["gp_weight"] == 10.0
    assert ckpt["hyper_parameters"]["optimizer_d"]["init_args"]["betas"] == [0.0, 0.9]


@pytest.mark.parametrize("alias", ["wgan", "wgan_gp"])
def test_cli_built_critics_use_the_wasserstein_loss(alias: str) -> None:
    # The CLI fills in every base argument with the base's default, so a subclass default must be in its signature.
    out = run_ganzoo("fit", "--model", alias, "--data", "digits", "--print_config")
    assert out.returncode == 0, out.stderr
    assert "    loss: wasserstein" in out.stdout
