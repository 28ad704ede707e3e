"""The allowed ranges of the models' hyper-parameters, by name, in one table: every model checks its values against it
once (:class:`~ganzoo.models.two_player.TwoPlayerModule`), before it builds a network, so a value outside its range is
one line that names the option, not a traceback from inside a layer halfway into training."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ganzoo.errors import UserError


@dataclass(frozen=True)
class Range:
    """``low ≤ value ≤ high`` (``low < value`` when ``open_low``); ``meaning`` says what the value stands for."""

    low: float
    high: float = math.inf
    open_low: bool = False
    meaning: str = ""

    def __contains__(self, value: float) -> bool:
        above = value > self.low if self.open_low else value >= self.low
        return above and value <= self.high

    def __str__(self) -> str:
        if self.high == math.inf:
            return f"{'>' if self.open_low else '≥'} {self.low:g}"
        return f"in {'(' if self.open_low else '['}{self.low:g}, {self.high:g}]"


COUNT = Range(1)
NON_NEGATIVE = Range(0)
POSITIVE = Range(0, open_low=True)
FRACTION = Range(0, 1)

#: Every constrained hyper-parameter of the shipped models, by its ``--model.*`` name. A sequence value (hidden layer
#: widths) is checked element by element; None (where a parameter takes it) means "off" or "the default".
RANGES: dict[str, Range] = {
    "latent_dim": Range(1, meaning="size of the generator's input noise"),
    "w_dim": COUNT,
    "embed_dim": COUNT,
    "base_channels": COUNT,
    "d_base_channels": COUNT,
    "channel_base": COUNT,
    "channel_max": COUNT,
    "g_channels": COUNT,
    "d_channels": COUNT,
    "g_hidden": COUNT,
    "d_hidden": COUNT,
    "hidden": COUNT,
    "mapping_layers": COUNT,
    "d_layers": COUNT,
    "n_blocks": NON_NEGATIVE,
    "num_kernels": COUNT,
    "kernel_dim": COUNT,
    "group_size": COUNT,
    "mbstd_group_size": COUNT,
    "num_progress_samples": COUNT,
    "n_critic": Range(1, meaning="discriminator steps per generator step"),
    "pack": Range(1, meaning="samples per discriminator input"),
    "unroll_steps": NON_NEGATIVE,
    "r1_interval": Range(1, meaning="discriminator steps per lazy R1 penalty"),
    "pool_size": NON_NEGATIVE,
    "lr_constant_epochs": NON_NEGATIVE,
    "lr_decay_epochs": NON_NEGATIVE,
    "clip_value": Range(0, open_low=True, meaning="WGAN's weight clipping bound"),
    "clip_grad_norm_g": POSITIVE,
    "clip_grad_norm_d": POSITIVE,
    "gp_weight": NON_NEGATIVE,
    "r1_gamma": NON_NEGATIVE,
    "r2_gamma": NON_NEGATIVE,
    "lambda_cycle": NON_NEGATIVE,
    "lambda_identity": NON_NEGATIVE,
    "perturbation": NON_NEGATIVE,
    "mapping_lr_mul": POSITIVE,
    "ema_decay": FRACTION,
    "ema_rampup": NON_NEGATIVE,
    "w_avg_beta": FRACTION,
    "style_mixing_prob": FRACTION,
}


def check_hyperparameters(values: Mapping[str, Any]) -> None:
    """Raises a one-line :class:`UserError` for the first value in ``values`` outside its range in :data:`RANGES`."""
    for name, value in values.items():
        allowed = RANGES.get(name)
        if allowed is None or value is None:
            continue
        several = isinstance(value, Sequence) and not isinstance(value, str)
        for number in value if several else [value]:
            if isinstance(number, int | float) and not isinstance(number, bool) and number not in allowed:
                meaning = f" ({allowed.meaning})" if allowed.meaning else ""
                each = " (every entry)" if several else ""
                raise UserError(f"--model.{name}{each} must be {allowed}{meaning}, got {value}")
