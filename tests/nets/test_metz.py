"""Metz et al.'s small Stacked MNIST networks as PacGAN's code builds them (ganzoo.nets.metz)."""

import pytest
import torch
from torch import nn

from ganzoo.errors import UserError
from ganzoo.models import PacGAN, UnrolledGAN
from ganzoo.nets.metz import MetzDiscriminator, MetzGenerator


def test_the_papers_widths_sides_and_kernels_at_28x28():
    g, d = MetzGenerator(256, (3, 28, 28)), MetzDiscriminator((3, 28, 28))
    assert [m.out_features for m in g.modules() if isinstance(m, nn.Linear)] == [64 * 4 * 4]
    shapes, x = [], torch.randn(4, 256)
    for layer in g.net:
        x = layer(x)
        if isinstance(layer, nn.ConvTranspose2d | nn.Conv2d):
            shapes.append(tuple(x.shape[1:]))
    # TensorFlow's SAME padding: 4 → 7 → 14 → 28, then a stride-1 conv to the 3 channels.
    assert shapes == [(32, 7, 7), (16, 14, 14), (8, 28, 28), (3, 28, 28)]
    assert x.abs().max() <= 1
    convs = [m for m in d.modules() if isinstance(m, nn.Conv2d)]
    assert [m.out_channels for m in convs] == [2, 4, 8] and {m.kernel_size for m in convs} == {(3, 3)}
    # BatchNorm on every layer of D, the input layer included (PacGAN's d_bn1 … d_bn3), LeakyReLU 0.3.
    assert sum(isinstance(m, nn.BatchNorm2d) for m in d.modules()) == 3
    assert {m.negative_slope for m in d.modules() if isinstance(m, nn.LeakyReLU)} == {0.3}
    assert d.out_features == 8 * 4 * 4 and d(g(torch.randn(5, 256))).shape == (5,)


def test_other_sides_and_packed_inputs():
    assert MetzGenerator(8, (1, 32, 32))(torch.randn(2, 8)).shape == (2, 1, 32, 32)
    pacgan = PacGAN(data_shape=(3, 28, 28), backbone="metz", pack=2, latent_dim=8)
    assert isinstance(pacgan.discriminator, MetzDiscriminator)
    assert pacgan.discriminator(torch.randn(4, 6, 28, 28)).shape == (4,)
    with pytest.raises(UserError, match="side 8 or more.*--data.image_size 28"):
        MetzDiscriminator((3, 4, 4))


def test_unrolled_gan_takes_the_backbone_and_its_norms():
    model = UnrolledGAN(data_shape=(3, 28, 28), backbone="metz", latent_dim=8)
    assert isinstance(model.generator, MetzGenerator) and isinstance(model.discriminator, MetzDiscriminator)
    assert sum(isinstance(m, nn.BatchNorm2d) for m in model.generator.modules()) == 4
    plain = UnrolledGAN(data_shape=(3, 28, 28), backbone="metz", d_norm="none").discriminator
    assert not any(isinstance(m, nn.BatchNorm2d) for m in plain.modules())
    with pytest.raises(UserError, match="metz backbone needs images"):
        UnrolledGAN(data_shape=(2,), backbone="metz")
