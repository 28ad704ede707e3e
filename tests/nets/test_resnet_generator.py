"""The CycleGAN ResNet generator (ganzoo.nets.resnet_generator)."""

import torch
from torch import nn

from ganzoo.nets import ResnetGenerator


def test_resnet_generator_follows_the_paper():
    g = ResnetGenerator(3, 3, channels=8, n_blocks=2)
    assert g(torch.randn(2, 3, 32, 32)).shape == (2, 3, 32, 32)
    layers = list(g.net)
    assert isinstance(layers[0], nn.ReflectionPad2d) and layers[1].kernel_size == (7, 7)
    assert isinstance(layers[-1], nn.Tanh) and layers[-2].kernel_size == (7, 7)
    norms = [m for m in g.modules() if isinstance(m, nn.InstanceNorm2d)]
    assert len(norms) == 3 + 2 * 2 + 2 and not any(m.affine or m.track_running_stats for m in norms)
    assert not any(isinstance(m, nn.BatchNorm2d) for m in g.modules())
    widths = [m.out_channels for m in g.modules() if isinstance(m, nn.Conv2d)]
    assert widths[:3] == [8, 16, 32] and widths[-1] == 3  # c7s1-k, d2k, d4k … c7s1-3
