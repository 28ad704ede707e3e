"""Discriminator rejection sampling (DRS; Azadi et al., ICLR 2019).

A discriminator trained with the logistic loss estimates, at its optimum, ``logit D(x) = log p_data(x) / p_g(x)``.
Keeping each generated sample with a probability that grows with that ratio removes samples from regions the
generator over-covers (between the modes of a mixture, off the data manifold) without retraining the generator.

Three conditions, all checked or provided here:

* the discriminator must be a logistic one (``minimax`` / ``non_saturating`` losses), not a Wasserstein, hinge or
  least-squares critic, whose scores are not log density ratios;
* it must score each sample on its own: a minibatch discrimination or minibatch stddev layer makes the score depend
  on the rest of the batch, so it is no ratio of densities at ``x``;
* it must be close to optimal for the *current* generator. During training it rarely is (it trails the generator),
  so :func:`refit_discriminator` first trains a copy of it against the frozen generator, as the paper does.

Samples come from the raw generator (not its EMA): the ratio is the raw generator's.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

import torch
from torch import Tensor

from ganzoo.losses import d_logistic
from ganzoo.nets.minibatch import MinibatchDiscrimination, MinibatchStdDev

BATCH_DEPENDENT = (MinibatchDiscrimination, MinibatchStdDev)


def check_drs_applicable(model: Any) -> None:
    """Raises ``ValueError`` unless ``model`` is a noise GAN whose discriminator is logistic, unconditional and
    per-sample."""
    from ganzoo.models import GAN

    if not isinstance(model, GAN):
        raise ValueError(f"discriminator rejection sampling needs a noise GAN, not {type(model).__name__}")
    if model.loss.d is not d_logistic:
        raise ValueError(
            f"discriminator rejection sampling needs a logistic discriminator (loss minimax or non_saturating); "
            f"{type(model).__name__} uses loss={model.hparams.get('loss', '?')}"
        )
    if model.num_classes:
        raise ValueError("discriminator rejection sampling is implemented for unconditional models only")
    if not model.per_sample_discriminator:
        raise ValueError(f"discriminator rejection sampling needs per-sample scores; {type(model).__name__}'s "
                         "discriminator scores packs of samples")  # fmt: skip
    batch_layer = next((m for m in model.discriminator.modules() if isinstance(m, BATCH_DEPENDENT)), None)
    if batch_layer is not None:
        raise ValueError(
            f"discriminator rejection sampling needs per-sample scores; {type(batch_layer).__name__} makes "
            f"{type(model).__name__}'s depend on the rest of the batch"
        )


def refit_discriminator(
    model: Any, batches: Iterable[Any], steps: int, lr: float = 1e-3, betas: tuple[float, float] = (0.5, 0.999)
) -> Any:
    """A copy of ``model`` whose discriminator took ``steps`` more steps (the model's own discriminator loss and
    penalties, a fresh Adam) against the frozen generator; ``model`` itself is untouched.

    ``batches`` is re-iterated as often as needed (a DataLoader of real batches, as in training).
    """
    check_drs_applicable(model)
    refit = copy.deepcopy(model)
    refit.discriminator.train()
    # The generator as it samples (eval mode: BatchNorm's running statistics), so D learns the ratio DRS will use.
    refit.generator.eval().requires_grad_(False)
    optimizer = torch.optim.Adam(refit.discriminator.parameters(), lr=lr, betas=betas)
    done = 0
    while done < steps:
        for batch in batches:
            batch = [b.to(refit.device) if isinstance(b, Tensor) else b for b in batch]
            loss = refit.discriminator_loss(batch)["loss"]
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            refit.d_steps += 1  # lazy regularisers (StyleGAN's R1) schedule on it
            done += 1
            if done == steps:
                break
    refit.eval()
    return refit


def _acceptance_logit(logits: Tensor, max_logit: Tensor, eps: float) -> Tensor:
    """The paper's F(x) = D̃(x) − D̃_M − log(1 − exp(D̃(x) − D̃_M − ε)), the logit of exp(D̃(x) − D̃_M)."""
    shifted = logits - max_logit
    return shifted - torch.log1p(-torch.exp(shifted - eps))


@torch.no_grad()
def rejection_sample(
    model: Any,
    n: int,
    discriminator: Any | None = None,
    quantile: float | None = 0.95,
    burn_in: int = 10_000,
    chunk: int = 10_000,
    d_batch: int = 512,
    eps: float = 1e-6,
    generator: torch.Generator | None = None,
) -> tuple[Tensor, float]:
    """``n`` samples of ``model``'s generator kept by DRS, and the acceptance rate.

    Args:
        model: an unconditional ganzoo model with a logistic discriminator.
        discriminator: the model whose discriminator scores the samples (e.g. from :func:`refit_discriminator`);
            ``model`` itself by default.
        quantile: γ is this quantile of F over the burn-in samples (the paper's 95th percentile): higher keeps
            fewer, more typical samples. ``None``: γ = 0, plain rejection sampling with acceptance
            exp(D̃(x) − D̃_M), exact when D is optimal and D̃_M the true maximum, but it keeps few samples.
        burn_in: samples used to estimate the maximum logit D̃_M (raised as larger logits appear) and γ.
        chunk: samples generated per round.
        d_batch: batch size for the discriminator, which may look at the batch (minibatch discrimination).
        eps: the paper's ε, keeping F finite at the maximum.
        generator: the random generator for latents and acceptance draws (CPU).
    """
    judge = discriminator if discriminator is not None else model
    check_drs_applicable(judge)
    judge.eval()

    def draw(m: int) -> tuple[Tensor, Tensor]:
        x = model.sample(z=torch.randn(m, model.latent_dim, generator=generator), ema=False)
        parts = [judge.discriminate(x[i : i + d_batch].to(judge.device, judge.dtype)) for i in range(0, m, d_batch)]
        return x.cpu(), torch.cat(parts).flatten().float().cpu()

    _, logits = draw(burn_in)
    max_logit = logits.max()
    gamma = torch.quantile(_acceptance_logit(logits, max_logit, eps), quantile) if quantile is not None else 0.0
    kept: list[Tensor] = []
    count = drawn = 0
    while count < n:
        x, logits = draw(chunk)
        max_logit = torch.maximum(max_logit, logits.max())
        keep = torch.rand(chunk, generator=generator) < torch.sigmoid(_acceptance_logit(logits, max_logit, eps) - gamma)
        kept.append(x[keep])
        count += int(keep.sum())
        drawn += chunk
    return torch.cat(kept)[:n], count / drawn
