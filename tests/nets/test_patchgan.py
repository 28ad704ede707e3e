"""The PatchGAN discriminator (ganzoo.nets.patchgan)."""

import pytest
import torch
from torch import nn

from ganzoo.nets import PatchDiscriminator
from ganzoo.nets.patchgan import receptive_field


@pytest.mark.parametrize(("n_layers", "side"), [(1, 16), (2, 34), (3, 70)])
def test_patch_discriminator_judges_patches_of_the_stated_size(n_layers, side):
    assert receptive_field(n_layers) == side
    d = PatchDiscriminator(1, channels=4, n_layers=n_layers)
    assert sum(isinstance(m, nn.InstanceNorm2d) for m in d.modules()) == n_layers
    assert all(m.negative_slope == 0.2 for m in d.modules() if isinstance(m, nn.LeakyReLU))
    # Instance norm's statistics span the whole map; the convolutions alone define the patch.
    d.net = nn.Sequential(*(nn.Identity() if isinstance(m, nn.InstanceNorm2d) else m for m in d.net))
    x = torch.randn(1, 1, 96, 96, requires_grad=True)
    logits = d(x)
    assert logits.shape[:2] == (1, 1) and logits.shape[-1] > 1  # a map of logits, not one per image
    c = logits.shape[-1] // 2
    logits[0, 0, c, c].backward()
    rows = x.grad[0, 0].abs().sum(1).nonzero()
    assert rows.max() - rows.min() + 1 == side  # one logit sees exactly a side×side patch
