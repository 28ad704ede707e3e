"""Unrolled GAN and minibatch discrimination: the notes' two remedies for mode collapse."""

import dataclasses

import pytest
import torch

from ganzoo.data import DigitsData, RingData
from ganzoo.models import MinibatchGAN, UnrolledGAN, VanillaGAN
from tests.conftest import fit_briefly


def fit(model, dm, batches: int = 3) -> None:
    fit_briefly(model, dm, batches)


def generator_gradient(model, batch) -> list[torch.Tensor]:
    model.discriminator.requires_grad_(False)
    torch.manual_seed(1)
    loss = model.generator_loss(batch)["loss"]
    return torch.autograd.grad(loss, list(model.generator.parameters()))


def test_zero_unrolling_is_exactly_the_plain_gan_and_unrolling_changes_the_gradient():
    kwargs = {"data_shape": (2,), "latent_dim": 8, "g_hidden": (16,), "d_hidden": (16,)}
    torch.manual_seed(0)
    plain = VanillaGAN(**kwargs)
    unrolled0, unrolled5 = UnrolledGAN(unroll_steps=0, **kwargs), UnrolledGAN(unroll_steps=5, **kwargs)
    for model in (unrolled0, unrolled5):
        model.load_state_dict(plain.state_dict())
    batch = (torch.randn(32, 2), torch.zeros(32, dtype=torch.long))
    g_plain, g0, g5 = (generator_gradient(m, batch) for m in (plain, unrolled0, unrolled5))
    assert all(torch.equal(a, b) for a, b in zip(g_plain, g0, strict=True))
    assert not all(torch.allclose(a, b) for a, b in zip(g_plain, g5, strict=True))


def test_unrolled_generator_gradient_is_the_gradient_of_the_papers_surrogate():
    # With the minimax loss G minimises f_K = f(θ_G, θ_D^K(θ_G)) = −(D's loss at the unrolled D), data term included.
    # Central differences of that value against the autograd gradient G trains with.
    torch.set_default_dtype(torch.float64)
    try:
        torch.manual_seed(0)
        model = UnrolledGAN(data_shape=(2,), latent_dim=2, g_hidden=(4,), d_hidden=(4,), loss="minimax",
                            unroll_steps=2)  # fmt: skip
        last_d_call = {}

        def recording_d(real, fake):
            last_d_call["f_k"] = -model_d(real, fake)  # the final call scores the batch at θ_D^K
            return model_d(real, fake)

        model_d = model.loss.d
        model.loss = dataclasses.replace(model.loss, d=recording_d)
        batch = (torch.randn(16, 2), torch.zeros(16, dtype=torch.long))

        def f_k() -> float:
            torch.manual_seed(1)
            model.generator_loss(batch)
            return float(last_d_call["f_k"])

        weight = next(model.generator.parameters())
        torch.manual_seed(1)
        (grad,) = torch.autograd.grad(model.generator_loss(batch)["loss"], [weight])
        h = 1e-6
        flat = weight.data.view(-1)  # perturbed outside autograd; f_k itself needs autograd for the unrolling
        for i in range(flat.numel()):
            flat[i] += h
            up = f_k()
            flat[i] -= 2 * h
            down = f_k()
            flat[i] += h
            assert (up - down) / (2 * h) == pytest.approx(float(grad.view(-1)[i]), rel=1e-5, abs=1e-9)
    finally:
        torch.set_default_dtype(torch.float32)


def test_unrolled_gan_trains_and_leaves_the_discriminator_to_its_own_optimizer():
    dm = RingData(num_samples=512, batch_size=64)
    model = UnrolledGAN(data_shape=(2,), unroll_steps=2, g_hidden=(32,), d_hidden=(32,))
    d_before = [p.clone() for p in model.discriminator.parameters()]
    fit(model, dm)
    assert model.g_steps == 3
    opt_d = model.trainer.optimizers[1]
    assert all(int(opt_d.state[p]["step"]) == 3 for p in model.discriminator.parameters())  # only real D steps
    assert any(not torch.equal(a, b) for a, b in zip(d_before, model.discriminator.parameters(), strict=True))


@pytest.mark.parametrize(
    ("backbone", "layer"), [("mlp", "discrimination"), ("dcgan", "discrimination"), ("mlp", "stddev")]
)
def test_minibatch_gan_trains(backbone, layer):
    dm = DigitsData(image_size=16, batch_size=16)
    model = MinibatchGAN(data_shape=(1, 16, 16), backbone=backbone, layer=layer, base_channels=8, hidden=(32,))
    before = {k: v.clone() for k, v in model.state_dict().items()}
    fit(model, dm)
    for role in ("generator.", "discriminator."):
        assert any(not torch.equal(v, model.state_dict()[k]) for k, v in before.items() if k.startswith(role))


def test_unrolling_leaves_the_discriminators_batchnorm_statistics_alone():
    model = UnrolledGAN(data_shape=(2,), latent_dim=8, g_hidden=(16,), d_hidden=(16,), d_norm="batch", unroll_steps=3)
    before = {k: v.clone() for k, v in model.discriminator.named_buffers()}
    model.generator_loss((torch.randn(32, 2), torch.zeros(32, dtype=torch.long)))
    assert before and all(torch.equal(v, before[k]) for k, v in model.discriminator.named_buffers())


def test_simulated_discriminator_steps_are_torchs_adam_steps():
    # The unrolled updates must be the ones D's optimizer would make, continuing from its moments and step count.
    from ganzoo.models.unrolled_gan import _adam_state, _adam_step

    torch.manual_seed(0)
    net = torch.nn.Linear(4, 3)
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-2, betas=(0.5, 0.99))
    for _ in range(3):  # non-zero moments and a step count above 1
        optimizer.zero_grad()
        net(torch.randn(8, 4)).square().mean().backward()
        optimizer.step()
    params = {name: p.detach().clone() for name, p in net.named_parameters()}
    state = _adam_state(optimizer, dict(net.named_parameters()), params)
    grads = tuple(torch.randn_like(p) for p in params.values())
    simulated = _adam_step(params, grads, state)
    for p, g in zip(net.parameters(), grads, strict=True):
        p.grad = g.clone()
    optimizer.step()
    for name, p in net.named_parameters():
        torch.testing.assert_close(simulated[name], p.detach(), rtol=1e-5, atol=1e-7)


def test_first_order_unrolling_is_the_plain_gradient_at_the_look_ahead_discriminator():
    kwargs = {"data_shape": (2,), "latent_dim": 8, "g_hidden": (16,), "d_hidden": (16,), "unroll_steps": 3}
    torch.manual_seed(0)
    full = UnrolledGAN(**kwargs)
    first = UnrolledGAN(second_order=False, **kwargs)
    first.load_state_dict(full.state_dict())
    batch = (torch.randn(32, 2), torch.zeros(32, dtype=torch.long))
    g_full, g_first = generator_gradient(full, batch), generator_gradient(first, batch)
    # The same look-ahead D, reached with the graph: the plain gradient there, by hand.
    look_ahead = VanillaGAN(data_shape=(2,), latent_dim=8, g_hidden=(16,), d_hidden=(16,))
    look_ahead.load_state_dict(full.state_dict())
    optimizer = torch.optim.Adam(look_ahead.discriminator.parameters(), lr=2e-4, betas=(0.5, 0.999))
    torch.manual_seed(1)
    fake = look_ahead.generate(look_ahead.sample_latent(32), None).detach()
    for _ in range(3):
        optimizer.zero_grad()
        real_logits = look_ahead.discriminator(batch[0]).view(-1)
        look_ahead.loss.d(real_logits, look_ahead.discriminator(fake).view(-1)).backward()
        optimizer.step()
    g_by_hand = generator_gradient(look_ahead, batch)
    assert all(torch.allclose(a, b, atol=1e-6) for a, b in zip(g_first, g_by_hand, strict=True))
    assert not all(torch.allclose(a, b) for a, b in zip(g_full, g_first, strict=True))


def test_minibatch_gan_builds_convolutional_players_for_images_and_mlps_for_flat_data():
    # With MLP players on images D rejects the first, near-identical samples outright and G trains to pixel noise.
    from ganzoo.nets.dcgan import DCGANDiscriminator, DCGANGenerator
    from ganzoo.nets.mlp import MLPDiscriminator, MLPGenerator

    images, flat = MinibatchGAN(data_shape=(1, 16, 16), base_channels=8), MinibatchGAN(data_shape=(2,), hidden=(8,))
    assert isinstance(images.generator, DCGANGenerator) and isinstance(images.discriminator, DCGANDiscriminator)
    assert isinstance(flat.generator, MLPGenerator) and isinstance(flat.discriminator, MLPDiscriminator)
