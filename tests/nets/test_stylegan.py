"""StyleGAN2 building blocks (ganzoo.nets.stylegan)."""


import torch
import torch.nn.functional as F

from ganzoo.nets.stylegan import ModulatedConv2d, upsample2x


def test_demodulated_weights_have_unit_norm_per_output_channel_and_match_a_grouped_convolution():
    torch.manual_seed(0)
    conv = ModulatedConv2d(5, 7, 3, w_dim=6)
    w, x = torch.randn(4, 6), torch.randn(4, 5, 8, 8)
    weight = conv.modulated_weight(w)  # (N, out, in, k, k)
    norms = weight.square().sum(dim=(2, 3, 4)).sqrt()
    torch.testing.assert_close(norms, torch.ones(4, 7))
    # The fast path (shared kernel, scaled activations) computes the per-sample convolution.
    grouped = F.conv2d(x.reshape(1, 20, 8, 8), weight.reshape(28, 5, 3, 3), padding=1, groups=4).reshape(4, 7, 8, 8)
    torch.testing.assert_close(conv(x, w), grouped, atol=1e-5, rtol=1e-5)

    # The upsampling version (transposed conv + blur) equals upsampling then convolving, away from the borders.
    up = ModulatedConv2d(5, 7, 3, w_dim=6, up=True)
    up.load_state_dict(conv.state_dict())
    bilinear = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
    reference = F.conv2d(bilinear.reshape(1, 20, 16, 16), weight.reshape(28, 5, 3, 3), padding=1, groups=4)
    torch.testing.assert_close(up(x, w)[..., 3:-3, 3:-3], reference.reshape(4, 7, 16, 16)[..., 3:-3, 3:-3],
                               atol=1e-5, rtol=1e-5)  # fmt: skip
    torch.testing.assert_close(upsample2x(x)[..., 2:-2, 2:-2], bilinear[..., 2:-2, 2:-2])

    torgb = ModulatedConv2d(5, 1, 1, w_dim=6, demodulate=False)
    assert not torch.allclose(torgb.modulated_weight(w).square().sum(dim=(2, 3, 4)), torch.ones(4, 1))
