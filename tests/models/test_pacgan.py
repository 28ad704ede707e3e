"""PacGAN (Lin et al. 2018): D scores packs of m samples, concatenated along channels or features."""

import pytest
import torch

from ganzoo.data import DigitsData, RingData
from ganzoo.errors import UserError
from ganzoo.models import PacGAN
from ganzoo.rejection import check_drs_applicable
from tests.conftest import fit_briefly


def test_d_sees_m_consecutive_samples_stacked_along_the_channels():
    model = PacGAN(data_shape=(3, 16, 16), pack=3, base_channels=4)
    first_conv = next(m for m in model.discriminator.modules() if isinstance(m, torch.nn.Conv2d))
    assert first_conv.in_channels == 9
    seen = []
    model.discriminator.register_forward_pre_hook(lambda module, args: seen.append(args[0]))
    x = torch.randn(7, 3, 16, 16)
    assert model.discriminate(x).shape == (2,)  # the seventh sample makes no whole pack
    assert torch.equal(seen[0][1], torch.cat([x[3], x[4], x[5]]))


def test_flat_data_packs_along_the_features_and_trains():
    dm = RingData(num_samples=64, batch_size=8)
    model = PacGAN(data_shape=dm.data_shape, pack=4, g_hidden=(16,), d_hidden=(16,))
    assert model.backbone == "mlp" and model.discriminator.body[1][0].in_features == 8
    fit_briefly(model, dm, 2)
    assert model.g_steps == 2


def test_a_batch_that_is_not_a_multiple_of_the_pack_is_refused_with_the_next_multiple():
    model = PacGAN(data_shape=(1, 16, 16), pack=3, base_channels=4)
    with pytest.raises(UserError, match="multiple of 3, got 16; use 18"):
        model.check_datamodule(DigitsData(image_size=16, batch_size=16))
    with pytest.raises(UserError, match="pack must be ≥ 1"):
        PacGAN(pack=0)


def test_rejection_sampling_is_refused_as_d_scores_packs():
    with pytest.raises(ValueError, match="scores packs"):
        check_drs_applicable(PacGAN(data_shape=(2,), g_hidden=(8,), d_hidden=(8,)))
