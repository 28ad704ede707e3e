"""Layers that let a discriminator see a whole minibatch, against mode collapse."""

from __future__ import annotations

import torch
from torch import Tensor, nn


class MinibatchDiscrimination(nn.Module):
    """Salimans et al. 2016, section 3.2: features f (N, A) → M = f·T (N, B, C); for each sample i and kernel b,
    o(i)_b = Σ_j exp(−‖M_i,b − M_j,b‖₁) over the other samples j; returns [f, o] (N, A + B)."""

    def __init__(self, in_features: int, num_kernels: int = 50, kernel_dim: int = 5) -> None:
        super().__init__()
        self.num_kernels, self.kernel_dim = num_kernels, kernel_dim
        self.T = nn.Parameter(torch.randn(in_features, num_kernels * kernel_dim) * 0.1)
        self.out_features = in_features + num_kernels

    def forward(self, f: Tensor) -> Tensor:
        m = (f @ self.T).view(-1, self.num_kernels, self.kernel_dim).transpose(0, 1)  # (B, N, C)
        l1 = torch.cdist(m, m, p=1)  # (B, N, N), without materialising the (N, N, B, C) differences
        o = torch.exp(-l1).sum(dim=2).T - 1.0  # minus each sample's distance to itself, exp(0)
        return torch.cat([f, o], dim=1)


class MinibatchStdDev(nn.Module):
    """Karras et al. 2018 (ProGAN; StyleGAN reuses it): appends the standard deviation of each feature over groups of
    ``group_size`` samples, averaged over features, as one extra feature (or channel, for (N, C, H, W) input)."""

    def __init__(self, in_features: int, group_size: int = 4) -> None:
        super().__init__()
        self.group_size = group_size
        self.out_features = in_features + 1

    def forward(self, x: Tensor) -> Tensor:
        n = x.shape[0]
        g = min(self.group_size, n)
        if n % g:
            g = 1 if n % 2 else 2
        y = x.reshape(g, -1, *x.shape[1:])  # group members are samples i, i + n/g, …
        std = (y.var(dim=0, unbiased=False) + 1e-8).sqrt()
        std = std.flatten(1).mean(dim=1)  # (n/g,)
        std = std.repeat(g).view(n, 1, *([1] * (x.ndim - 2))).expand(n, 1, *x.shape[2:])
        return torch.cat([x, std], dim=1)
