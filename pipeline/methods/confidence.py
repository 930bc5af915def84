"""Confidence levels and normal quantiles shared by every method (methods.md section 0).

A level given as a percentage (>= 90) is divided by 100; valid levels lie in [0.9, 1].
The two-sided normal quantile is z = Phi^-1(c + (1 - c)/2): 1.959963984540054 at 95 %,
3.090232306167813 at 99.8 %. Never 1.96.
"""

from __future__ import annotations

from collections.abc import Iterable
from statistics import NormalDist

Z95 = 1.959963984540054  # Phi^-1(0.975); PHEindicatormethods hard-codes this value where it means "95 %".


def normalise_level(level: float) -> float:
    """Return a confidence level as a fraction, accepting 95 or 0.95; raise ValueError outside [0.9, 1]."""
    value = float(level)
    if value >= 90:
        value /= 100
    if not 0.9 <= value <= 1:
        raise ValueError(f"confidence level {level!r} is outside 0.9 to 1 (or 90 to 100)")
    return value


def normalise_levels(levels: float | Iterable[float]) -> tuple[float, ...]:
    """Return one or more confidence levels as fractions, in the order given."""
    if isinstance(levels, (int, float)):
        return (normalise_level(levels),)
    return tuple(normalise_level(level) for level in levels)


def z_value(level: float) -> float:
    """Two-sided standard normal quantile for confidence level c: Phi^-1(c + (1 - c)/2)."""
    c = normalise_level(level)
    if c == 1:
        return float("inf")
    return NormalDist().inv_cdf(c + (1 - c) / 2)


def level_label(level: float) -> str:
    """Column-suffix form of a level as the R package writes it: 0.95 -> '95_0', 0.998 -> '99_8'."""
    percent = round(normalise_level(level) * 100, 1)
    whole, tenth = f"{percent:.1f}".split(".")
    return f"{whole}_{tenth}"


def level_text(level: float) -> str:
    """Human form of a level: 0.95 -> '95%', 0.998 -> '99.8%'."""
    percent = round(normalise_level(level) * 100, 1)
    return f"{percent:g}%"
