"""The fast Inception engines against torchmetrics' own feature path, and how an engine is chosen."""

import contextlib
import copy
import os
import threading
from pathlib import Path

import pytest
import torch
from torch import nn

from ganzoo.errors import UserError
from ganzoo.metrics import features as F
from tests.conftest import SHARED_DATA

WEIGHTS = Path(
    os.environ.get(F.INCEPTION_WEIGHTS_ENV) or SHARED_DATA / "fid" / "pt_inception-2015-12-05-nofc-fidhelper.pth"
)
ENGINES = ["torch", "torch-channels_last", "openvino-f32"]


def relative_error(a: torch.Tensor, b: torch.Tensor) -> float:
    """Largest absolute difference over the largest absolute reference value."""
    return ((a - b).abs().max() / b.abs().max()).item()


@pytest.fixture(scope="module")
def weights() -> str:
    if not WEIGHTS.is_file():
        pytest.skip(f"no offline Inception weights at {WEIGHTS} (set {F.INCEPTION_WEIGHTS_ENV})")
    return str(WEIGHTS)


@pytest.fixture(scope="module")
def images_and_reference(weights: str) -> tuple[torch.Tensor, torch.Tensor]:
    """Four grey 32×32 images in [−1, 1] (one out of range) and their pool3 features from torchmetrics'
    ``NoTrainInceptionV3`` as ``FrechetInceptionDistance`` runs it (eager NCHW, uint8 RGB in, TF1 resize)."""
    from torchmetrics.image.fid import NoTrainInceptionV3

    images = torch.rand(4, 1, 32, 32, generator=torch.Generator().manual_seed(0)) * 2 - 1
    images[0] *= 1.5
    reference_net = NoTrainInceptionV3(
        name="inception-v3-compat", features_list=["2048"], feature_extractor_weights_path=weights, antialias=False
    )
    uint8 = ((images + 1) / 2).clamp(0, 1).mul(255).round().to(torch.uint8).expand(-1, 3, -1, -1)
    with torch.no_grad():
        return images, reference_net(uint8)


@pytest.fixture(scope="module")
def engines(weights: str) -> dict[str, F.InceptionFeatures]:
    """The Inception features of each engine, made once per module (OpenVINO compiles on first use, ~3 s)."""
    return {e: F.InceptionFeatures(weights, engine=e) for e in ENGINES if F.openvino_available() or "openvino" not in e}


@pytest.mark.parametrize("engine", ENGINES)
def test_every_engine_matches_torchmetrics_features(engine, engines, images_and_reference):
    if engine not in engines:
        pytest.skip("OpenVINO not installed (pip install 'ganzoo[openvino]')")
    images, reference = images_and_reference
    feats = engines[engine]
    assert feats.engine == engine
    features, logits = feats(images)
    assert features.shape == (4, 2048) and features.dtype == torch.float32 and logits is None
    assert relative_error(features, reference) < 1e-4, f"{engine} features differ from torchmetrics'"
    # Deterministic, and a batch's features do not depend on its other images.
    assert torch.equal(feats(images)[0], features)
    assert relative_error(feats(images[:1])[0], reference[:1]) < 1e-4


def test_auto_engine_is_the_fastest_available_and_can_be_forced(weights, monkeypatch):
    monkeypatch.delenv(F.INCEPTION_ENGINE_ENV, raising=False)
    expected = "openvino-f32" if F.openvino_available() else "torch-channels_last"
    assert F.InceptionFeatures(weights).engine == expected
    monkeypatch.setenv(F.INCEPTION_ENGINE_ENV, "torch-channels_last")
    assert F.InceptionFeatures(weights).engine == "torch-channels_last"
    assert F.InceptionFeatures(weights, engine="torch").engine == "torch"
    with pytest.raises(UserError, match="unknown Inception engine"):
        F.InceptionFeatures(weights, engine="tensorrt")  # type: ignore[arg-type]


def test_openvino_engine_copies_and_logits(engines, images_and_reference):
    if "openvino-f32" not in engines:
        pytest.skip("OpenVINO not installed (pip install 'ganzoo[openvino]')")
    images, _ = images_and_reference
    feats = engines["openvino-f32"]
    features = feats(images)[0]
    twin = copy.deepcopy(feats)  # the compiled model is not copied: the twin compiles its own
    assert twin._compiled is None and torch.equal(twin(images)[0], features)
    # A full weights file has a logits layer: torchmetrics' "logits_unbiased" are pool3 times its weight.
    with torch.no_grad():
        twin.net.fc.weight.normal_(generator=torch.Generator().manual_seed(1))
    twin.has_logits = True
    features, logits = twin(images)
    assert torch.allclose(logits, features @ twin.net.fc.weight.T)


@pytest.mark.skipif(not hasattr(os, "sched_getaffinity") or len(os.sched_getaffinity(0)) < 2, reason="needs 2+ CPUs")
def test_openvino_engine_leaves_thread_placement_to_the_os(engines, images_and_reference):
    """OpenVINO pins its inference threads to the first cores by default, so two evaluations running at once (two
    benchmark lanes, a sweep's trials) share one core while the others idle. No thread may be narrowed while it runs."""
    if "openvino-f32" not in engines:
        pytest.skip("OpenVINO not installed (pip install 'ganzoo[openvino]')")
    allowed = os.sched_getaffinity(0)
    seen: set[frozenset[int]] = set()
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            for task in Path(f"/proc/{os.getpid()}/task").iterdir():
                with contextlib.suppress(OSError):  # the thread ended
                    seen.add(frozenset(os.sched_getaffinity(int(task.name))))

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        for _ in range(5):
            engines["openvino-f32"](images_and_reference[0])
    finally:
        done.set()
        watcher.join()
    assert seen == {frozenset(allowed)}, f"threads pinned to {sorted(map(sorted, seen - {frozenset(allowed)}))}"


def test_torchmetrics_layout_change_fails_loudly():
    """ganzoo mirrors the block order of torchmetrics' ``NoTrainInceptionV3._torch_fidelity_forward``; a network
    without those blocks must fail with a message that says what to update, not give other features."""
    from torchmetrics.image.fid import NoTrainInceptionV3

    assert hasattr(NoTrainInceptionV3, "_torch_fidelity_forward"), "torchmetrics renamed the forward ganzoo mirrors"
    with pytest.raises(RuntimeError, match=r"inception_trunk\) and must be updated"):
        F.inception_trunk(nn.Module())


def test_small_cnn_features_say_their_engine():
    assert F.SmallCNNFeatures.engine == "torch"
