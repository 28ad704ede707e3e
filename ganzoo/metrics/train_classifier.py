"""Trains the small CNN that gives ganzoo its offline FID/KID features and classifier Inception Score.

    python -m ganzoo.metrics.train_classifier --data mnist|fashion_mnist|usps [--epochs N] [--root DIR]

Writes ``ganzoo/metrics/weights/small_cnn_<data>.pt`` and prints the test accuracy.
"""

from __future__ import annotations

import argparse
import time

import torch
import torch.nn.functional as F

from ganzoo.metrics.classifier import SmallCNN, weights_path

#: Default epochs: USPS has an eighth of MNIST's images, so it gets more passes.
EPOCHS = {"mnist": 4, "fashion_mnist": 4, "usps": 12}


def accuracy(model: SmallCNN, loader) -> float:
    model.eval()
    correct = total = 0
    with torch.no_grad():
        for x, y in loader:
            correct += (model(x).argmax(1) == y).sum().item()
            total += len(y)
    return correct / total


def train(data: str, epochs: int, root: str | None, seed: int = 0) -> tuple[SmallCNN, float]:
    from ganzoo.registry import datasets

    torch.manual_seed(seed)
    dm = datasets()[data].cls(root=root, image_size=28, batch_size=128)
    dm.prepare_data()
    dm.setup("fit")
    dm.setup("test")
    model = SmallCNN()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, 3e-3, total_steps=epochs * len(dm.train_dataloader()))
    for epoch in range(epochs):
        model.train()
        start = time.perf_counter()
        for x, y in dm.train_dataloader():
            # Light augmentation: random shifts of up to 2 pixels.
            x = torch.roll(x, shifts=tuple(torch.randint(-2, 3, (2,)).tolist()), dims=(2, 3))
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
        acc = accuracy(model, dm.test_dataloader())
        print(f"{data} epoch {epoch + 1}/{epochs}: test accuracy {acc:.4f} ({time.perf_counter() - start:.0f} s)")
    return model, acc


def main(argv: list[str] | None = None) -> None:
    from ganzoo.checkpoint import save_atomically

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", choices=sorted(EPOCHS), required=True)
    parser.add_argument("--epochs", type=int, default=None, help="default 4 (12 for usps)")
    parser.add_argument("--root", default=None, help="data root (default: $GANZOO_DATA_ROOT or ~/.cache/ganzoo)")
    args = parser.parse_args(argv)
    model, acc = train(args.data, args.epochs or EPOCHS[args.data], args.root)
    path = weights_path(args.data)
    save_atomically(model.state_dict(), path)  # a stopped run never leaves a truncated file for the metrics
    print(f"saved {path} (test accuracy {acc:.4f})")


if __name__ == "__main__":
    main()
