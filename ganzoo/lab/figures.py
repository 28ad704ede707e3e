"""Matplotlib, headless and with one style for every lab figure."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def pyplot() -> Any:
    """``matplotlib.pyplot`` on the non-interactive Agg backend (no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"figure.dpi": 100, "axes.grid": True, "grid.alpha": 0.3, "font.size": 10,
                         "axes.spines.top": False, "axes.spines.right": False})  # fmt: skip
    return plt


def save(fig: Any, path: Path) -> str:
    """Writes ``fig`` as a PNG (fixed metadata, so an unchanged figure gives the same bytes) and closes it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, format="png", metadata={"Software": None})
    pyplot().close(fig)
    return path.name


def scatter(ax: Any, points: Any, modes: Any, title: str) -> None:
    """Generated 2D points over the mixture's modes (red crosses), on the square that holds the modes."""
    extent = 1.3 * float(modes.abs().max())
    ax.scatter(points[:, 0], points[:, 1], s=2, alpha=0.4, color="tab:blue", rasterized=True)
    ax.scatter(modes[:, 0], modes[:, 1], marker="x", color="tab:red", s=30)
    ax.set(xlim=(-extent, extent), ylim=(-extent, extent), aspect="equal", title=title, xticks=[], yticks=[])
