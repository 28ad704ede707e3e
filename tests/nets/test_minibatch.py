"""Minibatch discrimination and minibatch stddev (ganzoo.nets.minibatch)."""

import torch

from ganzoo.nets import MinibatchDiscrimination, MinibatchStdDev


def test_minibatch_discrimination_shape_and_batch_permutation_equivariance():
    layer = MinibatchDiscrimination(in_features=6, num_kernels=4, kernel_dim=3)
    f = torch.randn(10, 6)
    out = layer(f)
    assert out.shape == (10, 6 + 4) and torch.equal(out[:, :6], f)
    perm = torch.randperm(10)
    assert torch.allclose(layer(f[perm]), out[perm], atol=1e-6)
    # Identical samples are maximally "close": each sees exp(0) = 1 from every other one.
    assert torch.allclose(layer(torch.ones(5, 6))[:, 6:], torch.full((5, 4), 4.0))


def test_minibatch_stddev_appends_one_feature_or_channel():
    assert MinibatchStdDev(8)(torch.randn(12, 8)).shape == (12, 9)
    x = torch.randn(8, 3, 4, 4)
    out = MinibatchStdDev(3, group_size=4)(x)
    assert out.shape == (8, 4, 4, 4) and torch.equal(out[:, :3], x)
    assert torch.all(MinibatchStdDev(3)(torch.ones(8, 3, 4, 4))[:, 3] < 1e-3)  # no spread, no signal
