"""The short names the CLI accepts for models and datasets. Kept free of heavy imports: listing is instant."""

from __future__ import annotations

from typing import NamedTuple


class Entry(NamedTuple):
    class_path: str
    summary: str


MODELS: dict[str, Entry] = {
    "vanilla_gan": Entry(
        "ganzoo.models.VanillaGAN", "Goodfellow et al. 2014: MLP G and D; --model.loss minimax|non_saturating"
    ),
    "dcgan": Entry("ganzoo.models.DCGAN", "Radford et al. 2015: conv G/D with BatchNorm, Adam 2e-4 β1=0.5; 16–128 px"),
    "cgan": Entry("ganzoo.models.CGAN", "Mirza & Osindero 2014: label into G and D (concat or --model.projection)"),
    "unrolled_gan": Entry(
        "ganzoo.models.UnrolledGAN", "Metz et al. 2016: G's loss through k=5 unrolled Adam steps of D"
    ),
    "minibatch_gan": Entry(
        "ganzoo.models.MinibatchGAN", "Salimans et al. 2016: minibatch discrimination (or --model.layer stddev) in D"
    ),
    "wgan": Entry(
        "ganzoo.models.WGAN", "Arjovsky et al. 2017: critic, weight clipping c=0.01, RMSProp 5e-5, n_critic 5"
    ),
    "wgan_gp": Entry(
        "ganzoo.models.WGANGP", "Gulrajani et al. 2017: gradient penalty λ=10, Adam 1e-4 β=(0,0.9), n_critic 5"
    ),
    "stylegan_lite": Entry(
        "ganzoo.models.StyleGANLite", "Karras et al. 2019/2020, small: mapping net, modulated convs, R1, truncation"
    ),
    "cyclegan": Entry(
        "ganzoo.models.CycleGAN", "Zhu et al. 2017: unpaired A↔B translation, cycle λ=10, PatchGAN, LSGAN, pool of 50"
    ),
}

DATA: dict[str, Entry] = {
    "digits": Entry("ganzoo.data.DigitsData", "scikit-learn's 1,797 8×8 digits, resized; bundled, no download"),
    "mnist": Entry("ganzoo.data.MNISTData", "MNIST 60k/10k grey digits (torchvision download)"),
    "fashion_mnist": Entry("ganzoo.data.FashionMNISTData", "Fashion-MNIST 60k/10k grey clothing (torchvision)"),
    "cifar10": Entry("ganzoo.data.CIFAR10Data", "CIFAR-10 50k/10k RGB 32×32 (torchvision, or --data.npz FILE)"),
    "celeba": Entry("ganzoo.data.CelebAData", "CelebA aligned faces, 64×64 crops (torchvision or a local folder)"),
    "image_folder": Entry(
        "ganzoo.data.ImageFolderData",
        "any folder of images (--data.root DIR); --data.labels from sub-folders",
    ),
    "usps": Entry("ganzoo.data.USPSData", "USPS 7,291/2,007 grey 16×16 digits (--data.usps_path h5, or torchvision)"),
    "unpaired_folder": Entry(
        "ganzoo.data.UnpairedFolderData", "two unpaired image domains: ROOT/trainA, trainB, testA, testB (cyclegan)"
    ),
    "mnist_usps": Entry("ganzoo.data.MNISTUSPSData", "unpaired domains A = MNIST, B = USPS, resized alike (cyclegan)"),
    "ring": Entry("ganzoo.data.RingData", "2D toy: 8 Gaussians on the unit circle, σ=0.01"),
    "grid": Entry("ganzoo.data.GridData", "2D toy: 25 Gaussians on {−4,−2,0,2,4}², σ=0.05"),
}


def describe(table: dict[str, Entry]) -> str:
    """One line per entry: alias, class, summary."""
    width = max(map(len, table))
    cls_width = max(len(e.class_path.rsplit(".", 1)[1]) for e in table.values())
    return "\n".join(
        f"{alias:<{width}}  {entry.class_path.rsplit('.', 1)[1]:<{cls_width}}  {entry.summary}"
        for alias, entry in table.items()
    )
