"""StyleGAN-lite: equalised layers, modulated convolutions, truncation, style mixing, lazy R1, EMA ramp-up, CLI."""

import math
from pathlib import Path

import pytest
import torch
from torch import nn

import ganzoo.models.stylegan_lite as sg
from ganzoo import regularizers
from ganzoo.data import DigitsData
from ganzoo.models import StyleGANLite
from ganzoo.nets.stylegan import StyleGANDiscriminator, StyleGANGenerator
from ganzoo.regularizers import zero_centered_penalty
from tests.conftest import TINY, fit_briefly, run_ganzoo

#: Widths 16 at 4² and 8², 4 at 16², 2 at 32²: a 32-pixel model that trains in a fraction of a second per batch.
SMALL = {"channel_base": 64, "channel_max": 16, "w_dim": 16, "latent_dim": 16, "mapping_layers": 2}


def small_model(**kwargs) -> StyleGANLite:
    return StyleGANLite(data_shape=(1, 32, 32), **{**SMALL, **kwargs})


@pytest.mark.parametrize("side", [8, 32, 64])
def test_networks_fit_the_data_shape(side):
    g = StyleGANGenerator(16, (3, side, side), w_dim=16, mapping_layers=2, channel_base=64, channel_max=16)
    d = StyleGANDiscriminator((3, side, side), channel_base=64, channel_max=16)
    assert g.num_ws == 2 * int(math.log2(side)) - 2
    images = g(torch.randn(4, 16))
    assert images.shape == (4, 3, side, side) and d(images).shape == (4,)
    assert g.synthesis.blocks[0].const.shape == (16, 4, 4)


def test_the_discriminator_has_residual_or_plain_blocks():
    plain = small_model(d_architecture="orig").discriminator
    resnet = small_model().discriminator
    assert all(b.skip is None for b in plain.body[1:]) and all(b.skip is not None for b in resnet.body[1:])
    x = torch.randn(4, 1, 32, 32)
    assert plain(x).shape == resnet(x).shape == (4,)
    with pytest.raises(ValueError, match="'resnet' or 'orig'"):
        StyleGANDiscriminator((1, 8, 8), architecture="skip")


def test_bad_shapes_say_what_to_do():
    from ganzoo.errors import UserError

    with pytest.raises(UserError, match="--data.image_size 32"):
        StyleGANLite(data_shape=(1, 28, 28), **SMALL)


def test_w_avg_tracks_the_mean_w_in_training_and_truncation_zero_gives_it_for_every_z():
    torch.manual_seed(0)
    model = small_model(w_avg_beta=0.5)
    mapping = model.generator.mapping
    z = torch.randn(8, 16)
    mapping.eval()
    mapping(z)
    assert torch.equal(mapping.w_avg, torch.zeros(16))  # no update outside training
    mapping.train()
    w = mapping(z)
    torch.testing.assert_close(mapping.w_avg, 0.5 * w.detach().mean(dim=0))
    mapping.eval()

    w0 = mapping(torch.randn(5, 16), truncation=0.0)
    assert torch.equal(w0, mapping.w_avg.expand(5, -1))
    half = mapping(z, truncation=0.5)
    torch.testing.assert_close(half, mapping.w_avg + 0.5 * (mapping(z) - mapping.w_avg))

    model.generator_ema.update_parameters(model.generator)  # the EMA generator (sampled from) gets w_avg too
    with torch.no_grad():
        for layer in model.generator_ema.module.modules():  # make the noise visible, so "const" mode matters
            if hasattr(layer, "noise_strength"):
                layer.noise_strength.fill_(0.3)
    images = model.sample(4, truncation=0.0, noise_mode="const")
    assert torch.equal(images, images[:1].expand_as(images))
    varied = model.sample(4, truncation=1.0, noise_mode="const")
    assert not torch.allclose(varied, varied[:1].expand_as(varied))
    assert images.abs().max() <= 1  # clamped: the synthesis output is linear


def test_style_mixing_changes_the_output_and_same_latents_or_no_mixing_do_not():
    torch.manual_seed(0)
    model = small_model()
    a, b = torch.randn(3, 16), torch.randn(3, 16)
    kw = {"noise_mode": "const", "ema": False}
    plain = model.sample(z=a, **kw)
    assert torch.equal(model.sample(z=a, fine_z=a, **kw), plain)
    assert not torch.allclose(model.sample(z=a, fine_z=b, **kw), plain)
    num_ws = model.generator.num_ws
    assert torch.equal(model.sample(z=a, fine_z=b, crossover=num_ws, **kw), plain)
    assert torch.equal(model.sample(z=a, fine_z=b, crossover=0, **kw), model.sample(z=b, **kw))
    assert model.crossover() == 3  # the coarse styles: 4² and 8²

    # Regularisation in training mode: mixing with probability 1 changes the output; probability 0 is the plain map.
    model.generator.train()
    for prob, changed in ((1.0, True), (0.0, False)):
        model.hparams.style_mixing_prob = prob
        torch.manual_seed(1)
        out = model.generate(a, noise_mode="const").clamp(-1, 1)  # sample() clamps
        assert torch.allclose(out, plain, atol=1e-6) == (not changed)


def test_style_mixing_grid_lays_out_sources_and_mixtures():
    torch.manual_seed(0)
    model = small_model()
    coarse, fine = torch.randn(4, 16), torch.randn(2, 16)
    grid = sg.style_mixing_grid(model, coarse, fine)
    # (1 + rows) × (1 + cols) cells of 32 px, 2-px padding; make_grid repeats grey images to 3 channels.
    assert grid.shape == (3, 3 * 34 + 2, 5 * 34 + 2)
    cell = lambda r, c: grid[:, 2 + 34 * r : 34 * (r + 1), 2 + 34 * c : 34 * (c + 1)]  # noqa: E731
    assert torch.equal(cell(0, 0), torch.ones(3, 32, 32))
    top = model.sample(z=coarse, noise_mode="const").add(1).div(2)
    torch.testing.assert_close(cell(0, 3), top[2].expand(3, -1, -1))
    mixed = model.sample(z=coarse[1:2], fine_z=fine[1:2], noise_mode="const").add(1).div(2)
    torch.testing.assert_close(cell(2, 2), mixed[0].expand(3, -1, -1))


def test_r1_matches_its_closed_form_on_linear_and_quadratic_discriminators():
    model = small_model(r1_gamma=0.2, r1_interval=4)
    v, real = torch.randn(1 * 32 * 32), torch.randn(6, 1, 32, 32)

    class Linear(nn.Module):  # D(x) = v·x + 1, so ∇ₓD = v for every sample
        def forward(self, x):
            return x.flatten(1) @ v + 1.0

    model.discriminator = Linear()
    r1 = model.zero_centered_penalties(real, real, None)["r1"]
    assert r1.item() == pytest.approx(0.2 / 2 * v.square().sum().item() * 4, rel=1e-5)  # scaled by the interval
    model.d_steps = 3
    assert model.zero_centered_penalties(real, real, None) == {}  # not due
    # D(x) = ½‖x‖²: ∇ₓD = x, so R1 = γ/2 · mean ‖x‖².
    r1 = zero_centered_penalty(lambda x: 0.5 * x.square().sum(dim=(1, 2, 3)), real, 0.2)
    assert r1.item() == pytest.approx(0.1 * real.square().sum().item() / 6, rel=1e-5)


def test_training_steps_change_both_players_and_lazy_r1_runs_every_interval_th_d_step(monkeypatch):
    calls = []
    real_input_gradients = regularizers.input_gradients

    def counting(critic, x, scaler=None):
        calls.append(x.shape[0])
        return real_input_gradients(critic, x, scaler)

    monkeypatch.setattr(regularizers, "input_gradients", counting)
    torch.manual_seed(0)
    model = small_model(r1_interval=2)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    fit_briefly(model, DigitsData(image_size=32, batch_size=8), 5)
    assert model.d_steps == model.g_steps == 5
    assert calls == [8, 8, 8]  # D steps 0, 2, 4; never in the validation or sanity-check passes
    after = model.state_dict()
    for role in ("generator.", "discriminator."):
        weights = [k for k in before if k.startswith(role) and k.endswith("weight")]
        assert weights and all(not torch.equal(before[k], after[k]) for k in weights), role
    assert after["generator.mapping.w_avg"].abs().sum() > 0
    assert int(after["generator_ema.n_averaged"]) == 5
    assert isinstance(model.trainer.optimizers[0], torch.optim.Adam)
    assert model.trainer.optimizers[1].defaults["betas"] == (0.0, 0.99)


def test_ema_rampup_shortens_the_half_life_early_in_training():
    update = sg.ema_with_rampup(0.999, 0.05)
    ema, new = [torch.zeros(3)], [torch.ones(3)]
    update(ema, new, torch.tensor(1))  # half-life 0.05 steps: practically a copy
    assert ema[0].min() > 0.999
    ema = [torch.zeros(3)]
    update(ema, new, torch.tensor(10))  # half-life 0.5 steps: β = 0.25
    torch.testing.assert_close(ema[0], torch.full((3,), 0.75))
    ema = [torch.zeros(3)]
    update(ema, new, torch.tensor(100_000))  # ramp over: the configured decay
    torch.testing.assert_close(ema[0], torch.full((3,), 0.001))
    model = small_model(ema_rampup=None)  # the base's plain EMA
    assert model.generator_ema.multi_avg_fn.__qualname__.startswith("get_ema_multi_avg_fn")


def test_fit_through_the_cli_on_fashion_mnist_then_sample_with_truncation(shared_data):
    if not (shared_data / "FashionMNIST" / "raw").is_dir():
        pytest.skip(f"no offline Fashion-MNIST under {shared_data}")
    result = run_ganzoo(
        "fit", "--model", "stylegan_lite", "--data", "fashion_mnist", f"--data.root={shared_data}",
        "--data.batch_size=8", "--model.channel_base=64", "--model.channel_max=16", "--model.r1_interval=2", *TINY,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    ckpt = "runs/stylegan_lite-fashion_mnist/version_0/checkpoints/last.ckpt"
    hparams = torch.load(ckpt, weights_only=True)["hyper_parameters"]
    assert hparams["_class_path"] == "ganzoo.models.StyleGANLite"
    assert hparams["r1_interval"] == 2 and hparams["style_mixing_prob"] == 0.9 and hparams["ema_decay"] == 0.999

    from ganzoo import load_model

    model = load_model(ckpt)
    assert type(model) is StyleGANLite and model.g_steps == 3 and model.data_shape == (1, 32, 32)
    images = model.sample(6, truncation=0.7)
    assert images.shape == (6, 1, 32, 32) and images.abs().max() <= 1
    assert sg.style_mixing_grid(model, model.sample_latent(3), model.sample_latent(2)).shape == (3, 104, 138)

    from ganzoo.cli import main

    main(["sample", "--ckpt", ckpt, "--truncation", "0.7", "--n", "4", "--out", "t.png"])
    main(["sample", "--ckpt", ckpt, "--style-mixing", "--n", "9", "--out", "mix.png"])
    assert Path("t.png").stat().st_size > 0 and Path("mix.png").stat().st_size > 0


def test_ranks_draw_their_own_noise_under_ddp(as_rank):
    from ganzoo.nets.stylegan import SynthesisLayer

    layer = SynthesisLayer(4, 4, w_dim=8, resolution=8)
    with torch.no_grad():
        layer.noise_strength.fill_(1.0)
    x, w = torch.zeros(2, 4, 8, 8), torch.zeros(2, 8)
    outputs = []
    for rank in (0, 1):
        as_rank(rank)
        outputs.append(layer(x, w))
    assert not torch.equal(outputs[0], outputs[1])
