"""Discriminator regularisers that need gradients with respect to the inputs."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

from ganzoo.distributed import draw_for_rank


def input_gradients(
    critic: Callable[[Tensor], Tensor], x: Tensor, scaler: torch.amp.GradScaler | None = None
) -> Tensor:
    """∂ Σ critic(x) / ∂x, kept in the graph (``create_graph=True``) so a penalty on it can be backpropagated.

    Out of place (``autograd.grad``, no ``.backward(create_graph=True)``), which is what DDP supports. Under fp16
    AMP the output is scaled before differentiation and the gradient unscaled after, as PyTorch's AMP recipe for
    gradient penalties says; Lightning's own scaling does not reach ``autograd.grad``.
    """
    x = x.detach().requires_grad_(True)
    out = critic(x).sum()
    if scaler is not None:
        (grad,) = torch.autograd.grad(scaler.scale(out), x, create_graph=True)
        return grad / scaler.get_scale()
    (grad,) = torch.autograd.grad(out, x, create_graph=True)
    return grad


def zero_centered_penalty(critic: Callable[[Tensor], Tensor], x: Tensor, gamma: float,
                          scaler: torch.amp.GradScaler | None = None) -> Tensor:  # fmt: skip
    """γ/2 · E‖∇ₓD(x)‖² (squared norm over all non-batch dimensions): R1 on real data, R2 on generated data
    (Mescheder et al. 2018; R3GAN uses both)."""
    return gamma / 2 * input_gradients(critic, x, scaler).square().flatten(1).sum(dim=1).mean()


def gradient_penalty(critic: Callable[[Tensor], Tensor], real: Tensor, fake: Tensor,
                     scaler: torch.amp.GradScaler | None = None) -> Tensor:  # fmt: skip
    """WGAN-GP (Gulrajani et al. 2017): E[(‖∇D(x̂)‖₂ − 1)²] at x̂ = αx + (1 − α)G(z), with **one α ~ U[0, 1] per
    sample** (not per pixel) and the norm taken over all non-batch dimensions; under DDP each rank's α are its share of
    one draw for the global batch, like its latents."""
    shape = [1] * (real.ndim - 1)
    alpha = draw_for_rank(lambda m: torch.rand(m, *shape, device=real.device, dtype=real.dtype), real.shape[0])
    x_hat = alpha * real.detach() + (1 - alpha) * fake.detach()
    grad = input_gradients(critic, x_hat, scaler)
    return (grad.flatten(1).norm(2, dim=1) - 1).square().mean()


def dragan_penalty(critic: Callable[[Tensor], Tensor], real: Tensor, perturbation: float = 0.5,
                   scaler: torch.amp.GradScaler | None = None) -> Tensor:  # fmt: skip
    """DRAGAN (Kodali et al. 2017): E[(‖∇D(x̂)‖₂ − 1)²] at x̂ between real x and x + perturbation·std(x)·U[0, 1),
    one interpolation coefficient per sample. The noise is the authors' reference code's (uniform, scaled by the
    batch's standard deviation), which Lucic et al. (2018) also used; the paper writes a Gaussian."""
    noise = draw_for_rank(lambda m: torch.rand(m, *real.shape[1:], device=real.device, dtype=real.dtype), real.shape[0])
    perturbed = real.detach() + perturbation * real.detach().std() * noise
    return gradient_penalty(critic, perturbed, real, scaler)
