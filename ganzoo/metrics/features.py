"""Feature networks for image metrics: TF-ported InceptionV3 (comparable with papers) and the small CNN (offline,
fast, digit-like data only). Each maps [−1, 1] images to features and, where it has them, class logits."""

from __future__ import annotations

import os
from typing import Literal

import torch
from torch import Tensor, nn

from ganzoo.errors import UserError

FeatureName = Literal["inception", "lenet"]
INCEPTION_WEIGHTS_ENV = "GANZOO_INCEPTION_WEIGHTS"


class Features(nn.Module):
    """Base: ``forward(images) -> (features, logits or None)``; ``name`` goes into metric names and JSON lines."""

    name: str
    weights: str
    num_features: int
    has_logits: bool = True
    resize: str = ""
    engine: str = "torch"


class InceptionFeatures(Features):
    """pool3 (2048-d) features and the 1008-way logits of the TF InceptionV3 used by pytorch-fid/torch-fidelity.

    Inputs are mapped from [−1, 1] to uint8 (clamped, rounded), grey repeated to 3 channels, and resized to 299 with
    TF1-style bilinear interpolation (``antialias=False``), the protocol behind published FIDs.

    Args:
        weights_path: a local copy of ``pt_inception-2015-12-05-6726825d.pth`` (or a file with the same keys);
            default ``$GANZOO_INCEPTION_WEIGHTS``, else torchmetrics downloads the original.
    """

    name = "inception"
    num_features = 2048
    resize = "tf1-bilinear-299 (antialias=False)"

    def __init__(self, weights_path: str | None = None) -> None:
        super().__init__()
        from torchmetrics.image.fid import NoTrainInceptionV3

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

    @torch.no_grad()
    def forward(self, images: Tensor) -> tuple[Tensor, Tensor | None]:
        x = ((images.float() + 1) / 2).clamp(0, 1).mul(255).round().to(torch.uint8)
        if x.shape[1] == 1:
            x = x.expand(-1, 3, -1, -1)
        # torchmetrics' forward returns only the first requested feature; its torch-fidelity forward returns all.
        features, logits = self.net._torch_fidelity_forward(x)
        return features.reshape(len(x), -1), (logits if self.has_logits else None)


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


def make_features(kind: FeatureName, data_class: str, inception_weights: str | None = None) -> Features:
    """The feature network ``kind`` for data of class ``data_class`` (e.g. ``MNISTData``)."""
    from ganzoo.metrics.classifier import CLASSIFIER_FOR_DATA

    if kind == "inception":
        return InceptionFeatures(inception_weights)
    if kind == "lenet":
        if data_class not in CLASSIFIER_FOR_DATA:
            raise UserError(
                f"the small-CNN features exist for {', '.join(sorted(CLASSIFIER_FOR_DATA))}, not {data_class}; "
                "use --feature inception"
            )
        return SmallCNNFeatures(CLASSIFIER_FOR_DATA[data_class])
    raise UserError(f"unknown feature network {kind!r}; choose inception or lenet")
