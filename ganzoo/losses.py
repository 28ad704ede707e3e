"""Adversarial losses, all computed from discriminator *logits* (raw scores).

Each loss is a pair of small functions: ``d(real_logits, fake_logits)`` minimised by the discriminator and
``g(fake_logits, real_logits)`` minimised by the generator; only the relativistic loss reads the real logits in the
generator's step (``AdversarialLoss.pairs``), the others take None there. ``log D`` terms use ``softplus`` on logits,
never sigmoid + BCE, which saturates in float32 and overflows under fp16 AMP.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import torch
import torch.nn.functional as F
from torch import Tensor

LossName = Literal["minimax", "non_saturating", "wasserstein", "hinge", "least_squares", "relativistic"]


def d_logistic(real: Tensor, fake: Tensor) -> Tensor:
    """−E[log D(x)] − E[log(1 − D(G(z)))], the discriminator side of the original GAN game."""
    return F.softplus(-real).mean() + F.softplus(fake).mean()


def g_minimax(fake: Tensor, real: Tensor | None = None) -> Tensor:
    """E[log(1 − D(G(z)))]: Goodfellow et al.'s saturating generator loss; its gradient vanishes as D(G(z)) → 0."""
    return -F.softplus(fake).mean()


def g_non_saturating(fake: Tensor, real: Tensor | None = None) -> Tensor:
    """−E[log D(G(z))]: the "non-saturating" generator loss; strong gradients while D rejects the fakes."""
    return F.softplus(-fake).mean()


def d_wasserstein(real: Tensor, fake: Tensor) -> Tensor:
    """E[f(G(z))] − E[f(x)]: the critic's side of the Kantorovich–Rubinstein dual (Arjovsky et al. 2017)."""
    return fake.mean() - real.mean()


def g_wasserstein(fake: Tensor, real: Tensor | None = None) -> Tensor:
    return -fake.mean()


def d_hinge(real: Tensor, fake: Tensor) -> Tensor:
    """E[max(0, 1 − D(x))] + E[max(0, 1 + D(G(z)))] (Lim & Ye 2017; Miyato et al. 2018)."""
    return F.relu(1.0 - real).mean() + F.relu(1.0 + fake).mean()


def d_least_squares(real: Tensor, fake: Tensor) -> Tensor:
    """½E[(D(x) − 1)²] + ½E[D(G(z))²] (LSGAN, Mao et al. 2017; CycleGAN's adversarial loss)."""
    return 0.5 * ((real - 1.0).square().mean() + fake.square().mean())


def g_least_squares(fake: Tensor, real: Tensor | None = None) -> Tensor:
    return 0.5 * (fake - 1.0).square().mean()


def d_relativistic(real: Tensor, fake: Tensor) -> Tensor:
    """E[softplus(D(G(z)) − D(x))]: the relativistic pairing loss (Jolicoeur-Martineau 2019; RpGAN in R3GAN, Huang
    et al. 2024), each real sample paired with the generated sample at the same position in the batch."""
    return F.softplus(fake - real).mean()


def g_relativistic(fake: Tensor, real: Tensor | None = None) -> Tensor:
    """E[softplus(D(x) − D(G(z)))]: the generator's side of the pairing loss; it needs D's scores of real data."""
    if real is None:
        raise ValueError("the relativistic generator loss pairs generated with real samples; pass their logits")
    return F.softplus(real - fake).mean()


@dataclass(frozen=True)
class AdversarialLoss:
    """A named pair of discriminator/generator losses plus how to read D's output for logging."""

    d: Callable[[Tensor, Tensor], Tensor]
    g: Callable[[Tensor, Tensor | None], Tensor]
    #: Maps raw D outputs to the number logged as "D(x)": a probability for logistic losses, the raw score otherwise.
    score: Callable[[Tensor], Tensor] = torch.sigmoid
    #: Whether the generator's loss pairs generated with real samples, so its step must score a real batch too.
    pairs: bool = False


LOSSES: dict[str, AdversarialLoss] = {
    "minimax": AdversarialLoss(d_logistic, g_minimax),
    "non_saturating": AdversarialLoss(d_logistic, g_non_saturating),
    "wasserstein": AdversarialLoss(d_wasserstein, g_wasserstein, score=torch.clone),
    "hinge": AdversarialLoss(d_hinge, g_wasserstein, score=torch.clone),
    "least_squares": AdversarialLoss(d_least_squares, g_least_squares, score=torch.clone),
    "relativistic": AdversarialLoss(d_relativistic, g_relativistic, score=torch.clone, pairs=True),
}


def get_loss(name: str) -> AdversarialLoss:
    try:
        return LOSSES[name]
    except KeyError:
        raise ValueError(f"unknown loss {name!r}; choose one of: {', '.join(LOSSES)}") from None
