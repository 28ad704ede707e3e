"""Row loading and Markdown table helpers shared by the benchmark reports."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
Row = dict[str, Any]
Column = tuple[str, Callable[[Row], Any]]


def load(name: str) -> list[Row]:
    path = RESULTS / name
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()] if path.exists() else []


def num(value: Any, digits: int = 1) -> str:
    return "—" if value is None else f"{value:,.{digits}f}" if isinstance(value, float) else str(value)


def first(row: Row, prefix: str, exclude: str = "\0") -> Any:
    return next((v for k, v in row.items() if k.startswith(prefix) and exclude not in k), None)


def provenance(row: Row) -> str:
    threads = f", {row['threads']} thr" if "threads" in row else ""
    # A row aggregated from seeds trained at several commits names those commits.
    commit = "+".join(row["seed_commits"]) if row.get("seed_commits") else row.get("commit", "?")
    return f"{commit}, {row.get('device', '?')}{threads}, {str(row.get('date', '?'))[:10]}"


def table(rows: list[Row], columns: list[Column]) -> str:
    lines = ["| " + " | ".join(h for h, _ in columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(str(get(r)) for _, get in columns) + " |" for r in rows]
    return "\n".join(lines)


def percent(value: Any) -> str:
    return "—" if value is None else f"{100 * value:.0f} %"
