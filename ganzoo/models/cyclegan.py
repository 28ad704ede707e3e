"""CycleGAN (Zhu et al. 2017): unpaired image-to-image translation with cycle consistency."""

from __future__ import annotations

import functools
import math
from typing import Any, Literal

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ganzoo.errors import UserError
from ganzoo.losses import LossName
from ganzoo.models.base import GAN, Losses
from ganzoo.models.image_pool import ImagePool
from ganzoo.nets.patchgan import PatchDiscriminator, default_patch_layers
from ganzoo.nets.resnet_generator import ResnetGenerator, default_res_blocks

Direction = Literal["a2b", "b2a"]


def linear_decay(epoch: int, constant: int, decay: int) -> float:
    """The paper's LR factor: 1 for ``constant`` epochs, then linearly towards zero over ``decay`` epochs (the
    official code's rule, so the last decayed epoch trains at 1/(decay + 1) of the base rate)."""
    return max(0.0, 1.0 - max(0, epoch + 1 - constant) / (decay + 1))


class CycleGAN(GAN):
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
        latent_dim: unused (translation takes no noise).
        num_progress_samples: fixed test images per domain in the progress grid.
        **kwargs: see :class:`~ganzoo.models.base.GAN`.
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
        latent_dim: int = 0,
        num_progress_samples: int | None = 8,
        **kwargs: Any,
    ) -> None:
        super().__init__(loss=loss, latent_dim=latent_dim, num_progress_samples=num_progress_samples, **kwargs)
        self.pool_a = ImagePool(pool_size, self.data_shape)
        self.pool_b = ImagePool(pool_size, self.data_shape)
        n = self.fixed_z.shape[0]
        self.register_buffer("fixed_a", torch.zeros(n, *self.data_shape))
        self.register_buffer("fixed_b", torch.zeros(n, *self.data_shape))

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
        losses = {
            "adv_a2b": self.loss.g(self.discriminator["b"](fake_b)),
            "adv_b2a": self.loss.g(self.discriminator["a"](fake_a)),
            "cycle_a": lam * F.l1_loss(f(fake_b), a),
            "cycle_b": lam * F.l1_loss(g(fake_a), b),
        }
        if (idt := lam * self.hparams.lambda_identity) > 0:
            # Each generator should leave an image that already belongs to its output domain unchanged.
            losses["idt_a"] = idt * F.l1_loss(f(a), a)
            losses["idt_b"] = idt * F.l1_loss(g(b), b)
        return {"loss": sum(losses.values()), **{k: v.detach() for k, v in losses.items()}}

    def _evaluate(self, batch: Any, stage: str) -> None:
        super()._evaluate(batch, stage)
        # Held-out cycle and identity errors tell whether the mappings generalise.
        losses = self.generator_loss(batch)
        self.log_dict({f"{stage}/{k}": v for k, v in losses.items() if k.startswith(("cycle", "idt"))})

    # ------------------------------------------------------------------ schedule
    def configure_optimizers(self) -> Any:
        optimizers, schedulers = super().configure_optimizers()
        if not schedulers and self.hparams.lr_decay_epochs > 0:
            factor = functools.partial(
                linear_decay, constant=self.hparams.lr_constant_epochs, decay=self.hparams.lr_decay_epochs
            )
            schedulers = [torch.optim.lr_scheduler.LambdaLR(opt, factor) for opt in optimizers]
        return optimizers, schedulers

    # ------------------------------------------------------------------ translation and progress images
    def on_fit_start(self) -> None:
        dm = self.trainer.datamodule
        if not hasattr(dm, "fixed_images"):
            raise UserError(
                f"cyclegan needs two-domain data, not {type(dm).__name__}: use --data unpaired_folder or mnist_usps"
            )
        a, b = dm.fixed_images(self.fixed_a.shape[0])
        self.fixed_a.copy_(a)
        self.fixed_b.copy_(b)

    @torch.no_grad()
    def translate(self, x: Tensor, direction: Direction = "a2b", ema: bool = True) -> Tensor:
        """Translates [−1, 1] images A → B (``a2b``, with G) or B → A (``b2a``, with F), in eval mode; uses the EMA
        generators when there are some and ``ema`` is true."""
        if direction not in ("a2b", "b2a"):
            raise UserError(f"direction must be a2b or b2a, got {direction!r}")
        generators = self.generator_ema.module if ema and self.generator_ema is not None else self.generator
        net = generators[direction]
        was_training = net.training
        net.eval()
        try:
            return net(x.to(self.device, self.dtype)).float()
        finally:
            net.train(was_training)

    def forward(self, x: Tensor, direction: Direction = "a2b") -> Tensor:
        """Translates with the training generators."""
        return self.generator[direction](x)

    def predict_step(self, batch: Any, batch_idx: int) -> Tensor:
        """``ganzoo predict``: the A images of the batch translated to B."""
        return self.translate(batch[0], "a2b")

    def sample(self, *args: Any, **kwargs: Any) -> Tensor:
        raise UserError("CycleGAN translates images instead of sampling noise: use translate(), or `ganzoo sample "
                        "--ckpt FILE --input DIR --direction a2b|b2a`")  # fmt: skip

    def progress_samples(self) -> Tensor:
        """Rows of triplets A | G(A) | F(G(A)) for the fixed A test images, then B | F(B) | G(F(B))."""
        fake_b, fake_a = self.translate(self.fixed_a, "a2b"), self.translate(self.fixed_b, "b2a")
        rec_a, rec_b = self.translate(fake_b, "b2a"), self.translate(fake_a, "a2b")
        triplets_a = torch.stack([self.fixed_a, fake_b, rec_a], dim=1).flatten(0, 1)
        triplets_b = torch.stack([self.fixed_b, fake_a, rec_b], dim=1).flatten(0, 1)
        return torch.cat([triplets_a, triplets_b])

    def progress_grid_rows(self) -> int:
        # Whole triplets per row, as many as keep the grid roughly square and A's rows apart from B's.
        n = self.fixed_a.shape[0]
        target = max(1, round(math.sqrt(2 * n / 3)))
        return 3 * max(k for k in range(1, target + 1) if n % k == 0)
