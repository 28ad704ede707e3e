"""Unrolled GAN (Metz et al. 2016)."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor
from torch.func import functional_call

from ganzoo.lightning_compat import attached_trainer
from ganzoo.models.base import Losses
from ganzoo.models.vanilla_gan import VanillaGAN
from ganzoo.registry import register_model


@register_model("unrolled_gan", "Metz et al. 2016: G's loss through k=5 unrolled Adam steps of D")
class UnrolledGAN(VanillaGAN):
    """The generator's loss is taken against the discriminator as it would be after ``unroll_steps`` more updates,
    and its gradient flows back through those updates, so G anticipates D's reaction instead of chasing its current
    optimum (the notes' remedy 3.1 for mode collapse). D itself is trained as usual.

    G minimises the paper's surrogate f_K(θ_G, θ_D) = f(θ_G, θ_D^K(θ_G, θ_D)) (Metz et al. eqs. 4–5): both terms of the
    game's value at the unrolled D, so the data term contributes to G's gradient through θ_D^K(θ_G), not only the
    samples' term. G's own term is ``loss``'s generator loss (with ``minimax``, G's loss is exactly f_K); the logged
    value is that term alone. The simulated updates are Adam steps (the optimizer the paper unrolls) on a functional
    copy of D's parameters and buffers, continuing from D's real optimizer state, with ``create_graph=True``; like the
    paper's reference code, every unrolled step and the final loss use the same real batch and the same generated
    samples. ``unroll_steps=0`` is exactly the plain GAN.

    Args:
        unroll_steps: k, the number of simulated discriminator updates.
        second_order: False drops the term through dθ_D^K/dθ_G (the paper's section 2.3): G then follows the plain
            gradient taken at the look-ahead discriminator θ_D^K, as many reimplementations do, at a fraction of the
            cost; True (the default) is the paper's method.
        **kwargs: see :class:`~ganzoo.models.VanillaGAN` (MLP networks) and :class:`~ganzoo.models.base.GAN`.
    """

    def __init__(self, unroll_steps: int = 5, second_order: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.unroll_steps = unroll_steps
        self.second_order = second_order

    def generator_loss(self, batch: Any) -> Losses:
        real, labels = batch[0], batch[1]
        fake = self.generate(self.sample_latent(real.shape[0]), labels)  # in G's graph, reused by every step
        params = {name: p.detach().requires_grad_(True) for name, p in self.discriminator.named_parameters()}
        # Copies: the simulated steps must not move the real D's BatchNorm running statistics.
        buffers = {name: b.clone() for name, b in self.discriminator.named_buffers()}
        optimizer = self.optimizers()[1].optimizer if attached_trainer(self) is not None else None
        state = _adam_state(optimizer, dict(self.discriminator.named_parameters()), params)

        def scores(x: Tensor) -> Tensor:
            return functional_call(self.discriminator, (params, buffers), (x,))

        # First order: the simulated steps see the samples as constants, so θ_D^K does not depend on θ_G.
        simulated_fake = fake if self.second_order else fake.detach()
        for _ in range(self.unroll_steps):
            grads = torch.autograd.grad(self.loss.d(scores(real), scores(simulated_fake)), list(params.values()),
                                        create_graph=self.second_order)  # fmt: skip
            params = _adam_step(params, grads, state)
        real_k, fake_k = scores(real), scores(fake)
        # −(D's loss on real data at θ_D^K): zero at k = 0 (θ_D^0 does not depend on θ_G); added as x − x.detach() so
        # that it shapes G's gradient without changing the logged generator loss.
        data_term = -self.loss.d(real_k, fake_k.detach())
        return {"loss": self.loss.g(fake_k, real_k) + (data_term - data_term.detach())}


def _adam_state(optimizer: Any, live: dict, params: dict) -> dict:
    """Hyper-parameters and moments of D's optimizer as constants (zeros if it has not stepped yet)."""
    group = optimizer.param_groups[0] if optimizer is not None else {"lr": 2e-4, "betas": (0.5, 0.999), "eps": 1e-8}
    moments = {}
    for name, p in live.items():
        s = optimizer.state.get(p, {}) if optimizer is not None else {}
        moments[name] = (
            s.get("exp_avg", torch.zeros_like(p)).detach(),
            s.get("exp_avg_sq", torch.zeros_like(p)).detach(),
            float(s.get("step", 0)),
        )
    b1, b2 = group.get("betas", (0.9, 0.999))
    return {"lr": group["lr"], "b1": b1, "b2": b2, "eps": group.get("eps", 1e-8), "moments": moments}


def _adam_step(params: dict[str, Tensor], grads: tuple[Tensor, ...], state: dict) -> dict[str, Tensor]:
    """One differentiable Adam step; the new moments replace the old ones in ``state``."""
    b1, b2, lr, eps = state["b1"], state["b2"], state["lr"], state["eps"]
    new = {}
    for (name, p), g in zip(params.items(), grads, strict=True):
        m, v, t = state["moments"][name]
        m, v, t = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g * g, t + 1
        state["moments"][name] = (m, v, t)
        # +1e-16 inside the root keeps its derivative finite where a gradient is exactly zero.
        new[name] = p - lr * (m / (1 - b1**t)) / ((v / (1 - b2**t) + 1e-16).sqrt() + eps)
    return new
