"""ganzoo: a PyTorch Lightning model zoo of GAN variants."""

__version__ = "0.1.0"
