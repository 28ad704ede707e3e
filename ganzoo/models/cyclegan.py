"""CycleGAN (Zhu et al. 2017): unpaired image-to-image translation with cycle consistency."""

from __future__ import annotations

import functools
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ganzoo.errors import UserError
from ganzoo.losses import LossName
from ganzoo.models.image_pool import ImagePool
from ganzoo.models.translation import TranslationGAN
from ganzoo.models.two_player import Losses
from ganzoo.nets.patchgan import PatchDiscriminator, default_patch_layers
from ganzoo.nets.resnet_generator import ResnetGenerator, default_res_blocks
from ganzoo.registry import register_model


def linear_decay(epoch: int, constant: int, decay: int) -> float:
    """The paper's LR factor: 1 for ``constant`` epochs, then linearly towards zero over ``decay`` epochs (the
    official code's rule, so the last decayed epoch trains at 1/(decay + 1) of the base rate)."""
    return max(0.0, 1.0 - max(0, epoch + 1 - constant) / (decay + 1))


@register_model("cyclegan", "Zhu et al. 2017: unpaired A↔B translation, cycle λ=10, PatchGAN, LSGAN, pool of 50")
class CycleGAN(TranslationGAN):
    """Two generators G: A → B and F: B → A (``generator`` = ``ModuleDict(a2b=G, b2a=F)``, one optimizer) and two
    PatchGAN discriminators D_A, D_B (``discriminator`` = ``ModuleDict(a=D_A, b=D_B)``, one optimizer).

    Generator loss: least-squares adversarial terms for G(a) under D_B and F(b) under D_A, plus λ·‖F(G(a)) − a‖₁ and
    λ·‖G(F(b)) − b‖₁ (cycle consistency), plus the identity terms λ·λ_id·‖F(a) − a‖₁ and λ·λ_id·‖G(b) − b‖₁. The
    discriminators see real images against fakes drawn through a history pool of 50 (:class:`ImagePool`). Adam 2e-4,
    β1 = 0.5; the LR stays constant for ``lr_constant_epochs`` epochs, then decays linearly to zero over
    ``lr_decay_epochs`` (the paper: 100 + 100), unless ``scheduler_g``/``scheduler_d`` are given.

    Needs two-domain data: batches ``(a, b, labels_a, labels_b)`` (``unpaired_folder``, ``mnist_usps``). Terms are
    logged as they enter the losses: ``adv_a2b``, ``adv_b2a``, ``cycle_a``, ``cycle_b``, ``idt_a``, ``idt_b``,
    ``d_a``, ``d_b``. ganzoo's least-squares generator loss carries LSGAN's ½, which the official code omits:
    relative to the adversarial terms, λ weighs twice as much as there (λ = 5 reproduces its balance).

    Args:
        g_channels: width of the generators' first layer (the paper's 64).
        d_channels: width of the discriminators' first layer (64).
        n_blocks: residual blocks per generator; None: 9 from 256 px, 6 from 128 px, 3 below.
        d_layers: strided layers of the PatchGAN; None: 3 (70×70 patches) from 128 px, 2 (34×34) from 64 px, 1
            (16×16) below.
        lambda_cycle: λ, the weight of the cycle-consistency losses.
        lambda_identity: identity-loss weight as a fraction of λ (the paper's 0.5); 0 switches it off.
        pool_size: generated images kept per discriminator; 0 disables the pool.
        lr_constant_epochs: epochs at the initial learning rate.
        lr_decay_epochs: epochs of linear decay to zero after those; 0 keeps the rate constant.
        loss: adversarial loss (least squares, as in the paper).
        **kwargs: see :class:`~ganzoo.models.translation.TranslationGAN`.
    """

    def __init__(
        self,
        g_channels: int = 64,
        d_channels: int = 64,
        n_blocks: int | None = None,
        d_layers: int | None = None,
        lambda_cycle: float = 10.0,
        lambda_identity: float = 0.5,
        pool_size: int = 50,
        lr_constant_epochs: int = 100,
        lr_decay_epochs: int = 100,
        loss: LossName = "least_squares",
        **kwargs: Any,
    ) -> None:
        super().__init__(loss=loss, **kwargs)
        self.pool_a = ImagePool(pool_size, self.data_shape)
        self.pool_b = ImagePool(pool_size, self.data_shape)

    # ------------------------------------------------------------------ networks
    def _side(self) -> int:
        shape = self.data_shape
        if len(shape) != 3 or shape[1] != shape[2] or shape[1] < 16 or shape[1] % 4:
            raise UserError(
                f"CycleGAN takes square images of side ≥ 16 divisible by 4, got shape {shape}; set --data.image_size"
            )
        return shape[1]

    def build_generator(self) -> nn.Module:
        hp, side = self.hparams, self._side()
        n_blocks = hp.n_blocks if hp.n_blocks is not None else default_res_blocks(side)
        c = self.data_shape[0]
        return nn.ModuleDict(
            {d: ResnetGenerator(c, c, hp.g_channels, n_blocks) for d in ("a2b", "b2a")}  # G and F
        )

    def build_discriminator(self) -> nn.Module:
        hp, side = self.hparams, self._side()
        n_layers = hp.d_layers if hp.d_layers is not None else default_patch_layers(side)
        return nn.ModuleDict({d: PatchDiscriminator(self.data_shape[0], hp.d_channels, n_layers) for d in ("a", "b")})

    # ------------------------------------------------------------------ losses
    def discriminator_loss(self, batch: Any) -> Losses:
        a, b = batch[0], batch[1]
        with torch.no_grad():
            fake_b, fake_a = self.generator["a2b"](a), self.generator["b2a"](b)
        if self.training:  # validation must neither read nor change the history
            fake_b, fake_a = self.pool_b.query(fake_b), self.pool_a.query(fake_a)
        d_a = self.loss.d(self.discriminator["a"](a), self.discriminator["a"](fake_a))
        d_b = self.loss.d(self.discriminator["b"](b), self.discriminator["b"](fake_b))
        return {"loss": d_a + d_b, "d_a": d_a.detach(), "d_b": d_b.detach()}

    def generator_loss(self, batch: Any) -> Losses:
        a, b = batch[0], batch[1]
        g, f = self.generator["a2b"], self.generator["b2a"]
        lam = self.hparams.lambda_cycle
        fake_b, fake_a = g(a), f(b)
        d_a, d_b = self.discriminator["a"], self.discriminator["b"]
        pairs = self.loss.pairs  # only the relativistic loss scores the real images in G's step
        losses = {
            "adv_a2b": self.loss.g(d_b(fake_b), d_b(b) if pairs else None),
            "adv_b2a": self.loss.g(d_a(fake_a), d_a(a) if pairs else None),
            "cycle_a": lam * F.l1_loss(f(fake_b), a),
            "cycle_b": lam * F.l1_loss(g(fake_a), b),
        }
        if (idt := lam * self.hparams.lambda_identity) > 0:
            # Each generator should leave an image that already belongs to its output domain unchanged.
            losses["idt_a"] = idt * F.l1_loss(f(a), a)
            losses["idt_b"] = idt * F.l1_loss(g(b), b)
        return {"loss": sum(losses.values()), **{k: v.detach() for k, v in losses.items()}}

    def held_out_losses(self, batch: Any, stage: str) -> dict[str, Tensor]:
        # Held-out cycle and identity errors tell whether the mappings generalise.
        cycle = {f"{stage}/{k}": v for k, v in self.generator_loss(batch).items() if k.startswith(("cycle", "idt"))}
        return super().held_out_losses(batch, stage) | cycle

    # ------------------------------------------------------------------ schedule
    def configure_optimizers(self) -> Any:
        optimizers, schedulers = super().configure_optimizers()
        if not schedulers and self.hparams.lr_decay_epochs > 0:
            factor = functools.partial(
                linear_decay, constant=self.hparams.lr_constant_epochs, decay=self.hparams.lr_decay_epochs
            )
            schedulers = [torch.optim.lr_scheduler.LambdaLR(opt, factor) for opt in optimizers]
        return optimizers, schedulers
