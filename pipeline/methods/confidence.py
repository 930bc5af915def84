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
    """Return a confidence level as a fraction, accepting 95 or 0.95; raise ValueError outside [0.9, 1].

    Example:
    >>> normalise_level(95), normalise_level(0.998)
    (0.95, 0.998)
    """
    value = float(level)
    if value >= 90:
        value /= 100
    if not 0.9 <= value <= 1:
        raise ValueError(f"confidence level {level!r} is outside 0.9 to 1 (or 90 to 100)")
    return value


def normalise_levels(levels: float | Iterable[float]) -> tuple[float, ...]:
    """Return one or more confidence levels as fractions, in the order given.

    Example:
    >>> normalise_levels((95, 0.998))
    (0.95, 0.998)
    """
    if isinstance(levels, (int, float)):
        return (normalise_level(levels),)
    return tuple(normalise_level(level) for level in levels)


def z_value(level: float) -> float:
    """Two-sided standard normal quantile for confidence level c: Phi^-1(c + (1 - c)/2).

    Example:
    >>> round(z_value(0.95), 6), round(z_value(99.8), 6)
    (1.959964, 3.090232)
    """
    c = normalise_level(level)
    if c == 1:
        return float("inf")
    return NormalDist().inv_cdf(c + (1 - c) / 2)


def level_label(level: float) -> str:
    """Column-suffix form of a level as the R package writes it: 0.95 -> '95_0', 0.998 -> '99_8'.

    Example:
    >>> level_label(0.95), level_label(0.998)
    ('95_0', '99_8')
    """
    percent = round(normalise_level(level) * 100, 1)
    whole, tenth = f"{percent:.1f}".split(".")
    return f"{whole}_{tenth}"


def level_text(level: float) -> str:
    """Human form of a level: 0.95 -> '95%', 0.998 -> '99.8%'.

    Example:
    >>> level_text(0.95), level_text(99.8)
    ('95%', '99.8%')
    """
    percent = round(normalise_level(level) * 100, 1)
    return f"{percent:g}%"


def level_suffix(level: float) -> str:
    """Project column suffix of a level: the percentage without its dot (0.998 -> '998', 0.99 -> '99').

    Example:
    >>> level_suffix(0.998), level_suffix(0.99)
    ('998', '99')
    """
    percent = round(normalise_level(level) * 100, 1)
    return f"{percent:g}".replace(".", "")


def ci_columns(levels: float | Iterable[float]) -> list[tuple[str, str]]:
    """Project (lower, upper) column names per level: the first level gets `lower_ci`/`upper_ci`,
    each further level `lower_ci_<suffix>`/`upper_ci_<suffix>` (0.998 -> `lower_ci_998`).

    Example:
    >>> ci_columns((0.95, 0.998))
    [('lower_ci', 'upper_ci'), ('lower_ci_998', 'upper_ci_998')]
    """
    fractions = normalise_levels(levels)
    names = []
    for index, level in enumerate(fractions):
        suffix = "" if index == 0 else f"_{level_suffix(level)}"
        names.append((f"lower_ci{suffix}", f"upper_ci{suffix}"))
    return names


def levels_text(levels: float | Iterable[float]) -> str:
    """Metadata form of one or more levels, as the R package writes it: '95%' or '95%, 99.8%'.

    Example:
    >>> levels_text((0.95, 0.998))
    '95%, 99.8%'
    """
    return ", ".join(level_text(level) for level in normalise_levels(levels))


def one_or_two_levels(confidence: float | Iterable[float]) -> tuple[float, ...]:
    """Levels for the methods that allow one CI or exactly the pair (0.95, 0.998) (methods.md section 0).

    A single level may be a fraction or a percentage; a pair must be exactly (0.95, 0.998) (not
    (95, 99.8)), as in PHEindicatormethods; more than two levels is an error.

    Example:
    >>> one_or_two_levels(95), one_or_two_levels((0.95, 0.998))
    ((0.95,), (0.95, 0.998))
    """
    if isinstance(confidence, (int, float)):
        return (normalise_level(confidence),)
    given = tuple(float(level) for level in confidence)
    if len(given) == 1:
        return (normalise_level(given[0]),)
    if len(given) > 2:
        raise ValueError("a maximum of two confidence levels can be provided")
    if len(given) == 2 and given != (0.95, 0.998):
        raise ValueError("two confidence levels can only be produced if they are specified as 0.95 and 0.998")
    if not given:
        raise ValueError("no confidence level given")
    return given
