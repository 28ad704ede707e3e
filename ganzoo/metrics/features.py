"""Feature networks for image metrics: TF-ported InceptionV3 (comparable with papers) and the small CNN (offline,
fast, digit-like data only). Each maps [−1, 1] images to features and, where it has them, class logits."""

from __future__ import annotations

import os
from typing import Any, Literal

import torch
from torch import Tensor, nn

from ganzoo.errors import UserError

FeatureName = Literal["inception", "lenet"]
INCEPTION_WEIGHTS_ENV = "GANZOO_INCEPTION_WEIGHTS"


class Features(nn.Module):
    """Base: ``forward(images) -> (features, logits or None)``; ``name`` goes into metric names and JSON lines, and so
    should ``engine``, what computes the features (``torch`` here; see ``InceptionFeatures.engine``)."""

    name: str
    weights: str
    num_features: int
    has_logits: bool = True
    resize: str = ""
    engine: str = "torch"


#: The Inception engines, fastest first where available: OpenVINO at fp32 (the ``openvino`` extra), then torch with
#: channels_last tensors, then torch eager NCHW (torchmetrics' own layout, the reference). All compute the same
#: protocol and the same features within ~2e-6 relative; ``engine`` goes into every JSON line.
InceptionEngine = Literal["auto", "openvino-f32", "torch-channels_last", "torch"]
INCEPTION_ENGINES = ("auto", "openvino-f32", "torch-channels_last", "torch")
INCEPTION_ENGINE_ENV = "GANZOO_INCEPTION_ENGINE"

#: The blocks of torch-fidelity's InceptionV3 (which torchmetrics' NoTrainInceptionV3 subclasses) from the
#: normalised 299×299 input to pool3, in the order of its forward (``_torch_fidelity_forward``).
_INCEPTION_BLOCKS = (
    "Conv2d_1a_3x3", "Conv2d_2a_3x3", "Conv2d_2b_3x3", "MaxPool_1", "Conv2d_3b_1x1", "Conv2d_4a_3x3", "MaxPool_2",
    "Mixed_5b", "Mixed_5c", "Mixed_5d", "Mixed_6a", "Mixed_6b", "Mixed_6c", "Mixed_6d", "Mixed_6e",
    "Mixed_7a", "Mixed_7b", "Mixed_7c", "AvgPool",
)  # fmt: skip


def inception_trunk(net: nn.Module) -> nn.Sequential:
    """pool3 of torchmetrics' ``NoTrainInceptionV3`` as a plain ``Sequential``: normalised 299×299 → (N, 2048).

    The one place that depends on the internals of torchmetrics / torch-fidelity (the block names and order of
    ``NoTrainInceptionV3._torch_fidelity_forward``); tests/metrics/test_features.py checks it against torchmetrics'
    own forward, and a change there fails here with this message rather than with wrong features.
    """
    missing = [b for b in _INCEPTION_BLOCKS if not isinstance(getattr(net, b, None), nn.Module)]
    if missing:
        import torch_fidelity
        import torchmetrics

        raise RuntimeError(
            f"torchmetrics {torchmetrics.__version__} / torch-fidelity {torch_fidelity.__version__}: "
            f"NoTrainInceptionV3 has no {', '.join(missing)}; ganzoo's Inception path mirrors its forward "
            "(ganzoo.metrics.features.inception_trunk) and must be updated to the new layout"
        )
    return nn.Sequential(*(getattr(net, b) for b in _INCEPTION_BLOCKS), nn.Flatten(1))


def openvino_available() -> bool:
    """Whether the optional OpenVINO runtime (``pip install ganzoo[openvino]``) is importable."""
    import importlib.util

    return importlib.util.find_spec("openvino") is not None


class InceptionFeatures(Features):
    """pool3 (2048-d) features and the 1008-way logits of the TF InceptionV3 used by pytorch-fid/torch-fidelity.

    Inputs are mapped from [−1, 1] to uint8 (clamped, rounded), grey repeated to 3 channels, and resized to 299 with
    TF1-style bilinear interpolation (``antialias=False``), the protocol behind published FIDs.

    The network runs on the fastest available engine (see ``INCEPTION_ENGINES``): on a CPU, OpenVINO at fp32 where
    the ``openvino`` extra is installed (about 2× torch), else torch with channels_last tensors (about 1.5–2× the
    NCHW layout); elsewhere torch channels_last. ``engine`` names the one in use.

    Args:
        weights_path: a local copy of ``pt_inception-2015-12-05-6726825d.pth`` (or a file with the same keys);
            default ``$GANZOO_INCEPTION_WEIGHTS``, else torchmetrics downloads the original.
        engine: ``auto`` (default, or ``$GANZOO_INCEPTION_ENGINE``), ``openvino-f32``, ``torch-channels_last``
            or ``torch`` (eager NCHW, torchmetrics' layout).
    """

    name = "inception"
    num_features = 2048
    resize = "tf1-bilinear-299 (antialias=False)"

    def __init__(self, weights_path: str | None = None, engine: InceptionEngine | None = None) -> None:
        super().__init__()
        from torchmetrics.image.fid import NoTrainInceptionV3

        requested = engine or os.environ.get(INCEPTION_ENGINE_ENV) or "auto"
        if requested not in INCEPTION_ENGINES:
            raise UserError(f"unknown Inception engine {requested!r}; choose one of {', '.join(INCEPTION_ENGINES)}")
        if requested == "openvino-f32" and not openvino_available():
            raise UserError("the openvino-f32 Inception engine needs OpenVINO: pip install 'ganzoo[openvino]'")
        weights_path = weights_path or os.environ.get(INCEPTION_WEIGHTS_ENV) or None
        if weights_path and not os.path.isfile(weights_path):
            raise UserError(
                f"Inception weights {weights_path} do not exist; fix the path or unset ${INCEPTION_WEIGHTS_ENV}"
            )
        try:
            self.net = NoTrainInceptionV3(
                name="inception-v3-compat",
                features_list=["2048", "logits_unbiased"],
                feature_extractor_weights_path=weights_path,
                antialias=False,
            )
        except Exception as err:  # no network, or a file that is not an InceptionV3 state dict
            raise UserError(
                f"could not load the Inception weights ({type(err).__name__}: {err}); give a local copy with "
                f"${INCEPTION_WEIGHTS_ENV} (or --metrics.inception_weights in fit, --inception-weights in evaluate)"
            ) from err
        self.weights = weights_path or "torchmetrics default (pt_inception-2015-12-05-6726825d.pth)"
        # Some redistributed copies carry only the pool3 network: their logits layer is all zeros.
        self.has_logits = bool(self.net.fc.weight.abs().sum() > 0)
        inception_trunk(self.net)  # fails here, with its message, if torchmetrics' layout changed
        if requested == "auto":
            requested = "openvino-f32" if openvino_available() else "torch-channels_last"
        self._engine: str = requested
        if requested != "torch":
            self.net.to(memory_format=torch.channels_last)
        self._compiled = None  # the OpenVINO model, compiled on first use (not pickled)

    @property
    def engine(self) -> str:
        """The engine that computes the features now: OpenVINO runs on the CPU only, elsewhere torch takes over."""
        if self._engine == "openvino-f32" and self.net.fc.weight.device.type != "cpu":
            return "torch-channels_last"
        return self._engine

    def __getstate__(self) -> dict:  # copies and pickles recompile on first use
        return {**self.__dict__, "_compiled": None}

    def _openvino(self):
        if self._compiled is None:
            import warnings

            import openvino as ov

            with warnings.catch_warnings():  # TorchScript tracing warnings of torch-fidelity's modules
                warnings.simplefilter("ignore")
                model = ov.convert_model(
                    inception_trunk(self.net).eval(), example_input=torch.zeros(1, 3, 299, 299),
                    input=[(-1, 3, 299, 299)],
                )  # fmt: skip
            # fp32 explicitly: on CPUs with AVX-512 BF16 or AMX OpenVINO would otherwise run bf16 (features off by
            # up to 27 % relative). No pinning: OpenVINO pins to the first cores of the process's mask, so two
            # evaluations at once would share one core while the others idle.
            self._compiled = ov.Core().compile_model(
                model, "CPU", {"INFERENCE_PRECISION_HINT": "f32", "PERFORMANCE_HINT": "LATENCY",
                               "INFERENCE_NUM_THREADS": torch.get_num_threads(), "ENABLE_CPU_PINNING": False},
            )  # fmt: skip
        return self._compiled

    def pool3(self, x: Tensor) -> Tensor:
        """pool3 features (N, 2048) of normalised 299×299 RGB inputs ((uint8 − 128) / 128), on ``engine``."""
        engine = self.engine
        if engine == "openvino-f32":
            out = self._openvino()(x.float().contiguous().numpy(), share_outputs=False)[0]
            return torch.from_numpy(out)
        if engine == "torch-channels_last":
            x = x.contiguous(memory_format=torch.channels_last)
        return inception_trunk(self.net)(x)

    @torch.no_grad()
    def forward(self, images: Tensor) -> tuple[Tensor, Tensor | None]:
        from torch_fidelity.interpolate_compat_tensorflow import interpolate_bilinear_2d_like_tensorflow1x

        x = ((images.float() + 1) / 2).clamp(0, 1).mul(255).round()  # the uint8 values, kept in float
        # TF1 bilinear resize (torchmetrics' antialias=False path) per channel, so grey is resized once, then
        # repeated; then torchmetrics' normalisation.
        x = interpolate_bilinear_2d_like_tensorflow1x(x, size=(299, 299), align_corners=False)
        x = ((x - 128) / 128).expand(-1, 3, -1, -1)
        features = self.pool3(x)
        # torchmetrics' "logits_unbiased": pool3 times the logits layer's weight, no bias.
        return features, (features.mm(self.net.fc.weight.T) if self.has_logits else None)


class SmallCNNFeatures(Features):
    """The shipped small CNN classifier of one dataset: 128-d penultimate features and 10 class logits."""

    num_features = 128
    resize = "bilinear-28 (antialias=True)"

    def __init__(self, dataset: str) -> None:
        super().__init__()
        from ganzoo.metrics.classifier import load_classifier, weights_path

        self.net = load_classifier(dataset)
        self.name = "lenet"
        self.weights = weights_path(dataset).name

    @torch.no_grad()
    def forward(self, images: Tensor) -> tuple[Tensor, Tensor | None]:
        return self.net.features_and_logits(images)


def make_features(kind: FeatureName, datamodule: Any, inception_weights: str | None = None) -> Features:
    """The feature network ``kind`` for ``datamodule``'s data (``lenet``: its shipped ``classifier``)."""
    if kind == "inception":
        return InceptionFeatures(inception_weights)
    if kind == "lenet":
        if datamodule.classifier is None:
            from ganzoo.registry import datasets

            have = [name for name, e in datasets().items() if e.cls.classifier]
            raise UserError(
                f"the small-CNN features exist for {', '.join(have)}, not {type(datamodule).__name__}; use "
                "--feature inception"
            )
        return SmallCNNFeatures(datamodule.classifier)
    raise UserError(f"unknown feature network {kind!r}; choose inception or lenet")
