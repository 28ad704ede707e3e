"""The InfoGAN-style networks of Lucic et al. (2018) (ganzoo.nets.infogan)."""

import pytest
import torch
from torch import nn

from ganzoo.errors import UserError
from ganzoo.models import WGANGP, VanillaGAN
from ganzoo.nets.infogan import InfoGANDiscriminator, InfoGANGenerator


def test_the_papers_layer_widths_at_28x28():
    g, d = InfoGANGenerator(64, (1, 28, 28)), InfoGANDiscriminator((1, 28, 28))
    linear = [m.out_features for m in g.modules() if isinstance(m, nn.Linear)]
    deconv = [m.out_channels for m in g.modules() if isinstance(m, nn.ConvTranspose2d)]
    assert linear == [1024, 128 * 7 * 7] and deconv == [64, 1]
    assert [m.out_channels for m in d.modules() if isinstance(m, nn.Conv2d)] == [64, 128]
    assert [m.out_features for m in d.modules() if isinstance(m, nn.Linear)] == [1024, 1]
    x = g(torch.randn(5, 64))
    assert x.shape == (5, 1, 28, 28) and x.abs().max() <= 1
    assert d(x).shape == (5,)
    # No norm on D's input layer, the norm after the two layers that follow (as compare_gan's InfoGAN D).
    assert sum(isinstance(m, nn.BatchNorm2d | nn.BatchNorm1d) for m in d.modules()) == 2


@pytest.mark.parametrize("shape", [(3, 30, 30), (1, 26, 28), (2,)])
def test_sides_that_are_not_multiples_of_4_are_refused_with_advice(shape):
    with pytest.raises(UserError, match="multiples of 4.*--data.image_size 28"):
        InfoGANGenerator(8, shape)


def test_variants_take_the_infogan_backbone_and_its_norms_unless_told_otherwise():
    model = VanillaGAN(data_shape=(1, 28, 28), backbone="infogan", latent_dim=16)
    assert isinstance(model.generator, InfoGANGenerator) and isinstance(model.discriminator, InfoGANDiscriminator)
    assert any(isinstance(m, nn.BatchNorm1d) for m in model.discriminator.modules())
    critic = WGANGP(data_shape=(3, 32, 32), backbone="infogan", d_norm="none").discriminator
    assert not any(isinstance(m, nn.BatchNorm1d | nn.BatchNorm2d | nn.GroupNorm) for m in critic.modules())
    with pytest.raises(UserError, match="infogan backbone needs images"):
        VanillaGAN(data_shape=(2,), backbone="infogan")
