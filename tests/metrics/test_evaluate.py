"""The one evaluation entry point: what it measures follows the types, names are checked before any work, and the
generated samples depend on (checkpoint, seed, n) only."""

from __future__ import annotations

import pytest
import torch

from ganzoo.data import DigitsData, RingData
from ganzoo.errors import UserError
from ganzoo.metrics import EvaluationOptions, evaluate
from ganzoo.metrics.evaluate import subject_of
from ganzoo.metrics.samples import generated, rebatch
from ganzoo.models import DCGAN, CycleGAN, StyleGANLite, VanillaGAN


def tiny_dcgan() -> DCGAN:
    torch.manual_seed(0)
    return DCGAN(data_shape=(1, 16, 16), base_channels=8).eval()


def test_the_subject_follows_the_model_and_data_types():
    assert subject_of(tiny_dcgan(), DigitsData()) == "images"
    assert subject_of(VanillaGAN(data_shape=(2,)), RingData()) == "points"
    assert subject_of(CycleGAN(data_shape=(1, 16, 16), g_channels=4, d_channels=4, n_blocks=1), None) == "translation"


def test_unknown_or_foreign_metric_names_fail_before_any_work(monkeypatch):
    import ganzoo.metrics.samples as samples

    monkeypatch.setattr(samples, "generated", lambda *a, **k: pytest.fail("generated samples before validating"))
    with pytest.raises(UserError, match="unknown metric 'foo' for images; choose from fid, kid, is"):
        evaluate(tiny_dcgan(), DigitsData(image_size=16), ["fid", "foo"])
    with pytest.raises(UserError, match="unknown metric 'mode_coverage' for images"):
        evaluate(tiny_dcgan(), DigitsData(image_size=16), ["mode_coverage"])
    with pytest.raises(UserError, match=r"generated samples \(--n-fake, --metrics.n_fake\) must be ≥ 1"):
        EvaluationOptions(n_fake=0)


@pytest.mark.parametrize("make", [tiny_dcgan, lambda: StyleGANLite(data_shape=(1, 8, 8), channel_base=32,
                                                                    channel_max=8, w_dim=8, latent_dim=8)])
def test_generated_samples_do_not_depend_on_the_batch_size(make):
    model = make()
    small = torch.cat(list(rebatch(generated(model, 300, seed=3, ema=True), 64)))
    large = torch.cat(list(rebatch(generated(model, 300, seed=3, ema=True), 500)))
    assert small.shape[0] == 300 and torch.equal(small, large)  # StyleGAN's noise inputs included
    other_seed = torch.cat(list(generated(model, 300, seed=4, ema=True)))
    assert not torch.equal(small, other_seed)


def test_the_same_seed_gives_the_same_fid_at_any_batch_size():
    model, dm = tiny_dcgan(), DigitsData(image_size=16)
    values = [
        evaluate(model, dm, ["fid"], EvaluationOptions(feature="lenet", n_fake=300, batch_size=size))[0]["value"]
        for size in (50, 300)
    ]
    assert values[0] == pytest.approx(values[1], rel=1e-6)


def test_every_value_is_recorded_with_its_settings():
    (record,) = evaluate(tiny_dcgan(), DigitsData(image_size=16), ["kid"], EvaluationOptions(feature="lenet",
                                                                                              n_fake=200))
    assert record["metric"] == "kid_lenet_200_test"
    assert {"model": "DCGAN", "data": "DigitsData", "feature": "lenet", "engine": "torch", "n_fake": 200,
            "split": "test", "seed": 0, "ema": False}.items() <= record.items()  # fmt: skip


def test_the_feature_network_sees_at_most_one_batch_and_every_entry_point_shares_its_default(monkeypatch):
    # Memory of a feature network grows with its batch (Inception on a CPU: 2.8 GiB at 100, 9.3 GiB at 500), so the
    # batch size bounds an evaluation's memory whatever n is, and training and the CLI use the same default.
    from ganzoo.callbacks.evaluation import Evaluation
    from ganzoo.commands.evaluate import parser
    from ganzoo.metrics.features import SmallCNNFeatures

    default = EvaluationOptions().batch_size
    assert Evaluation().options.batch_size == default
    assert parser().parse_args(["--ckpt", "run.ckpt"]).batch_size == default
    seen = []
    forward = SmallCNNFeatures.forward
    monkeypatch.setattr(SmallCNNFeatures, "forward", lambda self, x: seen.append(len(x)) or forward(self, x))
    dm = DigitsData(image_size=16)
    evaluate(tiny_dcgan(), dm, ["fid"], EvaluationOptions(feature="lenet", n_fake=350))
    assert max(seen) == default and sum(seen) >= 350  # the real features may come from the cache
