"""Exact integer splits: how a city-wide article figure becomes per-ward, per-row numbers."""

from __future__ import annotations

import datetime as dt

import numpy as np


def split_exact(total: int, weights: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Integers proportional to weights that sum to exactly ``total`` (largest remainder)."""
    weights = np.asarray(weights, dtype=float)
    if total == 0 or len(weights) == 0:
        return np.zeros(len(weights), dtype=np.int64)
    share = weights / weights.sum() * total
    base = np.floor(share).astype(np.int64)
    rest = total - int(base.sum())
    order = np.argsort(-(share - base) - rng.random(len(share)) * 1e-9, kind="stable")
    base[order[:rest]] += 1
    return base


def quantities_summing_to(total: int, rng: np.random.Generator, p_two: float) -> np.ndarray:
    """Per-row quantities, mostly 1 and sometimes 2, that add up to exactly ``total``."""
    if total <= 0:
        return np.zeros(0, dtype=np.int64)
    draw = 1 + (rng.random(total) < p_two).astype(np.int64)
    cum = np.cumsum(draw)
    k = int(np.searchsorted(cum, total))
    draw = draw[: k + 1]
    draw[-1] = total - (int(cum[k - 1]) if k else 0)
    return draw


def random_dates(year: int, n: int, rng: np.random.Generator, months=(1, 12)) -> list[dt.date]:
    """Uniform days between the first day of months[0] and the last of months[1]."""
    start = dt.date(year, months[0], 1)
    end = dt.date(year + 1, 1, 1) if months[1] == 12 else dt.date(year, months[1] + 1, 1)
    offsets = rng.integers(0, (end - start).days, n).tolist()
    return [start + dt.timedelta(days=o) for o in offsets]


def round_to(values: np.ndarray, step: int) -> np.ndarray:
    return (np.round(np.asarray(values) / step) * step).astype(np.int64)
