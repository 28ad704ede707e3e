"""Backbone choice (ganzoo.nets.backbones): ``auto`` follows the data, and each backbone brings its own norms."""

import pytest
import torch
from torch import nn

from ganzoo.errors import UserError
from ganzoo.models import CGAN, WGAN, WGANGP, MinibatchGAN
from ganzoo.nets.backbones import resolve_backbone, resolve_norm


def test_auto_is_dcgan_for_images_and_mlp_for_flat_data():
    assert resolve_backbone("auto", (3, 32, 32)) == "dcgan"
    assert resolve_backbone("auto", (2,)) == "mlp"
    assert resolve_backbone("mlp", (1, 28, 28)) == "mlp"
    with pytest.raises(UserError, match="dcgan backbone needs images.*--model.backbone mlp"):
        resolve_backbone("dcgan", (2,))


def test_a_norm_left_unset_is_the_backbones_own():
    assert resolve_norm(None, "dcgan", "g") == resolve_norm(None, "dcgan", "d") == "batch"
    assert resolve_norm(None, "mlp", "d") == "none"
    assert resolve_norm("layer", "dcgan", "d") == "layer"


def batch_norms(net: nn.Module) -> int:
    return sum(isinstance(m, nn.BatchNorm2d | nn.BatchNorm1d) for m in net.modules())


@pytest.mark.parametrize("cls", [MinibatchGAN, WGAN, CGAN])
def test_the_dcgan_backbone_brings_dcgans_batchnorm(cls):
    # The flaw this fixes: minibatch_gan --model.backbone dcgan built a DCGAN without BatchNorm (the MLP's norms).
    extra = {"num_classes": 10} if cls is CGAN else {}
    model = cls(data_shape=(3, 16, 16), backbone="dcgan", base_channels=8, **extra)
    assert batch_norms(model.generator) > 0 and batch_norms(model.discriminator) > 0
    flat = cls(data_shape=(2,), hidden=(8,), **({"num_classes": 8} if cls is CGAN else {}))
    assert flat.backbone == "mlp" and batch_norms(flat.generator) == batch_norms(flat.discriminator) == 0


def test_wgan_gp_keeps_layer_norm_in_its_critic_on_either_backbone():
    for shape in ((1, 16, 16), (2,)):
        model = WGANGP(data_shape=shape, base_channels=8, hidden=(8,))
        norms = [m for m in model.discriminator.modules() if isinstance(m, nn.LayerNorm | nn.GroupNorm)]
        assert norms and batch_norms(model.discriminator) == 0
        assert torch.isfinite(model.discriminator(torch.randn(4, *shape))).all()


def test_an_mlp_over_large_images_is_refused_before_it_is_allocated():
    from ganzoo.models import UnrolledGAN

    with pytest.raises(UserError, match=r"this MLP would have \d+ M weights .*lower --data.image_size"):
        UnrolledGAN(data_shape=(3, 256, 256))
    UnrolledGAN(data_shape=(3, 32, 32))  # 3 M weights per player: fine
