"""The training loop every variant inherits: n_critic, counters, EMA, clipping, logging, sampling."""

import lightning as L
import pytest
import torch

from ganzoo.data import DigitsData
from ganzoo.errors import UserError
from ganzoo.models import DCGAN, WGANGP, StyleGANLite, VanillaGAN
from tests.conftest import fit_briefly


def tiny_dcgan(**kwargs) -> DCGAN:
    return DCGAN(data_shape=(1, 16, 16), base_channels=8, latent_dim=16, **kwargs)


def fit(model, batches: int, **trainer_kwargs) -> L.Trainer:
    return fit_briefly(model, DigitsData(image_size=16, batch_size=16), batches, val_batches=0, **trainer_kwargs)


def adam_steps(optimizer: torch.optim.Optimizer) -> int:
    return int(next(iter(optimizer.state.values()))["step"])


def test_n_critic_schedule_takes_one_g_step_per_n_d_steps():
    model = tiny_dcgan(n_critic=3)
    trainer = fit(model, batches=7)
    opt_g, opt_d = trainer.optimizers
    assert (model.d_steps, model.g_steps) == (7, 2)
    assert (adam_steps(opt_d), adam_steps(opt_g)) == (7, 2)
    # global_step counts both optimizers: the reason ganzoo keeps its own counters.
    assert trainer.global_step == 9
    assert model.images_seen == 7 * 16


def test_both_players_learn_and_the_other_player_is_frozen_during_each_step():
    torch.manual_seed(0)
    model = tiny_dcgan()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    fit(model, batches=2)
    for prefix in ("generator.", "discriminator."):
        changed = [k for k, v in model.state_dict().items() if k.startswith(prefix) and "weight" in k]
        assert all(not torch.equal(before[k], model.state_dict()[k]) for k in changed), prefix
    assert all(p.requires_grad for p in model.parameters())  # toggling is undone


def test_ema_generator_is_frozen_averaged_and_used_for_sampling():
    torch.manual_seed(0)
    model = tiny_dcgan(ema_decay=0.9)
    fit(model, batches=3)
    assert model.generator_ema.n_averaged.item() == 3
    assert not any(p.requires_grad for p in model.generator_ema.parameters())
    z = torch.randn(4, 16)
    raw, ema = model.sample(z=z, ema=False), model.sample(z=z)
    assert raw.shape == ema.shape == (4, 1, 16, 16)
    assert not torch.allclose(raw, ema)
    assert torch.allclose(ema, model.generator_ema.module.eval()(z))


def test_gradient_clipping_bounds_the_discriminator_gradient():
    model = tiny_dcgan(clip_grad_norm_d=1e-3)
    fit(model, batches=2)
    grads = [p.grad for p in model.discriminator.parameters() if p.grad is not None]
    assert grads and torch.nn.utils.get_total_norm(grads) <= 1e-3 * 1.01
    # The G gradients are not clipped:
    g_grads = [p.grad for p in model.generator.parameters() if p.grad is not None]
    assert torch.nn.utils.get_total_norm(g_grads) > 1e-3


def test_losses_discriminator_outputs_and_gradient_norms_are_logged():
    model = tiny_dcgan()
    trainer = fit(model, batches=2, log_every_n_steps=1)
    logged = trainer.callback_metrics
    for key in (
        "train/loss_d",
        "train/loss_g",
        "train/d_real",
        "train/d_fake",
        "train/grad_norm_g",
        "train/grad_norm_d",
    ):
        assert key in logged and torch.isfinite(logged[key]), key
    assert 0 < logged["train/d_real"] < 1  # a probability for the logistic losses
    assert logged["train/kimg"] == pytest.approx(2 * 16 / 1000)


def test_sample_returns_images_in_range_and_restores_train_mode():
    model = tiny_dcgan()
    model.train()
    x = model.sample(5)
    assert x.shape == (5, 1, 16, 16) and x.min() >= -1 and x.max() <= 1
    assert model.generator.training
    assert model.progress_samples().shape == (64, 1, 16, 16)


def test_python_callables_are_accepted_as_optimizers_and_kept_out_of_hparams():
    model = VanillaGAN(data_shape=(2,), optimizer_d=lambda p: torch.optim.SGD(p, lr=0.1))
    opt_g, opt_d = model.configure_optimizers()[0]
    assert isinstance(opt_d, torch.optim.SGD) and isinstance(opt_g, torch.optim.Adam)
    assert opt_g.defaults["betas"] == (0.5, 0.999)
    assert "optimizer_d" not in model.hparams and "optimizer_g" in model.hparams
    assert model.fixed_z.shape == (2500, 100)  # flat data: the mode-coverage protocol's sample count


def test_invalid_n_critic_is_rejected_with_one_line():
    with pytest.raises(UserError, match="--model.n_critic must be ≥ 1"):
        tiny_dcgan(n_critic=0)


def test_r1_and_r2_penalise_ds_gradient_on_real_and_generated_data_for_any_variant():
    v = torch.randn(4)

    class Linear(torch.nn.Module):  # D(x) = v·x: ‖∇ₓD‖² = ‖v‖² at every point
        def forward(self, x):
            return x.flatten(1) @ v

    model = VanillaGAN(data_shape=(4,), g_hidden=(8,), d_hidden=(8,), r1_gamma=2.0, r2_gamma=0.5)
    model.discriminator = Linear()
    real = torch.randn(6, 4)
    losses = model.discriminator_loss((real, torch.zeros(6, dtype=torch.long)))
    assert losses["r1"].item() == pytest.approx(1.0 * v.square().sum().item(), rel=1e-5)
    assert losses["r2"].item() == pytest.approx(0.25 * v.square().sum().item(), rel=1e-5)
    plain = VanillaGAN(data_shape=(4,), g_hidden=(8,), d_hidden=(8,)).discriminator_loss((real, None))
    assert "r1" not in plain and "r2" not in plain
    with pytest.raises(UserError, match="--model.r2_gamma must be ≥ 0, got -1.0"):
        VanillaGAN(data_shape=(4,), r2_gamma=-1.0)


def test_the_relativistic_generator_step_scores_the_real_batch_too():
    model = VanillaGAN(data_shape=(4,), g_hidden=(8,), d_hidden=(8,), loss="relativistic")
    calls = []
    model.discriminator.register_forward_hook(lambda m, args, out: calls.append(args[0].shape[0]))
    loss = model.generator_loss((torch.randn(5, 4), None))["loss"]
    assert calls == [5, 5] and torch.isfinite(loss)


@pytest.mark.parametrize(
    ("cls", "kwargs"),
    [(DCGAN, {"base_channels": 8}), (StyleGANLite, {"channel_max": 16, "w_dim": 32, "latent_dim": 32})],
)
def test_channels_last_changes_the_layout_not_the_training(cls, kwargs):
    """Conv networks train in the channels-last layout by default; the parameters after a few steps equal those of
    the contiguous layout up to summation order (float64)."""
    runs = {}
    for channels_last in (None, False):
        torch.manual_seed(0)
        model = cls(data_shape=(1, 16, 16), channels_last=channels_last, **kwargs)
        # Weights whose two layouts differ (a 1×1 kernel has one layout only).
        weights = [p for p in model.parameters() if p.dim() == 4 and p.shape[1] > 1 and p.shape[2:].numel() > 1]
        assert weights and all(p.is_contiguous(memory_format=torch.channels_last) is (channels_last is None)
                               for p in weights)  # fmt: skip
        fit_briefly(model, DigitsData(image_size=16, batch_size=8), batches=3, precision="64-true")
        runs[channels_last] = model.state_dict()
    for key, value in runs[False].items():
        torch.testing.assert_close(runs[None][key], value, rtol=1e-9, atol=1e-12, msg=key)


@pytest.mark.parametrize(
    ("cls", "kwargs"),
    [
        (DCGAN, {"base_channels": 8}),
        (WGANGP, {"base_channels": 8, "n_critic": 2}),
        (StyleGANLite, {"channel_max": 16, "w_dim": 32, "latent_dim": 32}),
    ],
)
def test_fused_adam_trains_as_the_default_per_tensor_adam(cls, kwargs):
    """torch's fused Adam (an opt-in fast path, ``--model.optimizer_d.fused true``): after a few steps in float64 the
    parameters equal those of the default per-tensor Adam with the same settings, up to rounding."""
    defaults = cls(data_shape=(1, 16, 16), **kwargs).hparams
    fused = {name: {**defaults[name], "init_args": {**defaults[name]["init_args"], "fused": True}}
             for name in ("optimizer_g", "optimizer_d")}  # fmt: skip
    runs = {}
    for choice in (None, True):
        torch.manual_seed(0)
        model = cls(data_shape=(1, 16, 16), **kwargs, **(fused if choice else {}))
        assert all(opt.defaults["fused"] is choice for opt in model.configure_optimizers()[0])
        fit_briefly(model, DigitsData(image_size=16, batch_size=8), batches=4, precision="64-true")
        runs[choice] = model.state_dict()
    for key, value in runs[None].items():
        torch.testing.assert_close(runs[True][key], value, rtol=1e-9, atol=1e-12, msg=key)
