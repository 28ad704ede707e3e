"""The README's extension guide is true: one new module (plus its test) adds a variant or a metric, which the CLI,
``ganzoo models`` and ``ganzoo evaluate`` then offer without any other file changing."""

from __future__ import annotations

import importlib
import sys
import textwrap
from pathlib import Path

import pytest

from ganzoo import registry
from ganzoo.cli import main
from ganzoo.commands.evaluate import main as evaluate_command
from ganzoo.metrics import protocol
from tests.conftest import TINY

VARIANT = '''
    from typing import Any

    from torch import nn

    from ganzoo.models import GAN
    from ganzoo.nets import DCGANDiscriminator, DCGANGenerator
    from ganzoo.registry import register_model


    @register_model("tiny_hinge_gan", "a DCGAN with the hinge loss, from a user's own package")
    class TinyHingeGAN(GAN):
        def __init__(self, base_channels: int = 8, loss: str = "hinge", **kwargs: Any) -> None:
            super().__init__(loss=loss, **kwargs)

        def build_generator(self) -> nn.Module:
            return DCGANGenerator(self.latent_dim, self.data_shape, self.hparams.base_channels)

        def build_discriminator(self) -> nn.Module:
            return DCGANDiscriminator(self.data_shape, self.hparams.base_channels)


    from ganzoo.metrics import register_metric


    @register_metric("mean_norm", "images", default=False)
    def mean_norm(ctx) -> dict[str, float]:
        return {ctx.name("mean_norm"): float(ctx.fake().features.norm(dim=1).mean())}
'''


@pytest.fixture
def user_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A user's module on the path; the registries are restored afterwards."""
    monkeypatch.setattr(registry, "_MODELS", dict(registry._MODELS))
    monkeypatch.setattr(protocol, "_METRICS", dict(protocol._METRICS))
    (tmp_path / "my_variants.py").write_text(textwrap.dedent(VARIANT))
    monkeypatch.syspath_prepend(str(tmp_path))
    yield importlib.import_module("my_variants")
    sys.modules.pop("my_variants", None)


def test_a_registered_variant_and_metric_work_from_the_command_line(user_module, capsys):
    main(["models"])
    assert "tiny_hinge_gan" in capsys.readouterr().out
    main(["fit", "--model", "tiny_hinge_gan", "--data", "digits", "--data.image_size=16", *TINY])
    ckpt = Path("runs/tiny_hinge_gan-digits/version_0/checkpoints/last.ckpt")
    records = evaluate_command(["--ckpt", str(ckpt), "--feature", "lenet", "--metrics", "fid,mean_norm",
                                "--n-fake", "100"])  # fmt: skip
    assert [r["metric"] for r in records] == ["fid_lenet_100_test", "mean_norm_lenet_100_test"]
    assert records[1]["value"] > 0
