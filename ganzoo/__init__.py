"""ganzoo: a PyTorch Lightning model zoo of GAN variants."""

__version__ = "0.1.0"


def load_model(path, map_location="cpu"):
    """Rebuilds a trained model from a checkpoint, weights-only (see :func:`ganzoo.checkpoint.load_model`)."""
    from ganzoo.checkpoint import load_model as _load

    return _load(path, map_location)
