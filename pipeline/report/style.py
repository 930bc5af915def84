"""The house style shared by every chart: colour-blind-safe palette (Okabe & Ito 2008), sizes, footer."""

from __future__ import annotations

# Okabe-Ito: distinguishable under the common colour-vision deficiencies.
QUINTILE_COLOURS = {1: "#D55E00", 2: "#E69F00", 3: "#999999", 4: "#56B4E9", 5: "#0072B2"}
NO_QUINTILE = "#BBBBBB"
BOROUGH = "#000000"
GAP = "#CC79A7"
RANGE = "#009E73"
TARGET = "#000000"
# benchmark comparison colours (Okabe-Ito; never red/green alone: the legend names each)
BETTER = "#0072B2"
SIMILAR = "#E69F00"
WORSE = "#D55E00"
NOT_COMPARED = "#FFFFFF"
FIGSIZE = (10, 5.6)
DPI = 110
DEMONSTRATION_STAMP = "DEMONSTRATION DATA: synthetic values, not statistics about real places"


def apply(plt) -> None:
    plt.rcParams.update(
        {
            "font.family": "DejaVu Sans",
            "font.size": 10,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.titlesize": 12,
            "axes.titleweight": "bold",
            "axes.titlelocation": "left",
            "svg.hashsalt": "fsot",
            # text from data (ward and indicator names) is never markup: "$\\frac{x$" is drawn as typed
            "text.parse_math": False,
            "text.usetex": False,
        }
    )


def footer(fig, sources: str, demonstration: bool) -> None:
    """Source and licence line at the foot of a chart, and the demonstration stamp when it applies."""
    text = fig.text(0.01, 0.01, sources, fontsize=7.5, color="#444444", ha="left", va="bottom", wrap=True)
    fig._fsot_footer = text  # charts._save moves it below the lowest axis label, so it never overprints one
    if demonstration:
        fig.text(
            0.99, 0.985, DEMONSTRATION_STAMP, fontsize=8.5, color="#B00020", ha="right", va="top", fontweight="bold"
        )


# --- One rounding rule per unit (charts, report tables and the workbook's number formats use these) ---
# decimals shown for a value or a difference in each unit; a unit not listed gets DEFAULT_DECIMALS.
# Ratios (relative gap, RII: no unit) get 2; rates per 100,000 none; percentages and years 1.
DECIMALS = {"%": 1, "percentage points": 1, "years": 1, "per 100,000": 0, "per 1,000": 1, "ratio": 2, "": 2}
DEFAULT_DECIMALS = 1


def decimals(unit: str | None) -> int:
    """Decimals shown for a value in `unit` (the one rounding rule per unit)."""
    return DECIMALS.get((unit or "").strip(), DEFAULT_DECIMALS)


def difference_unit(unit: str) -> str:
    """The unit of a difference of two values: percentages differ by percentage points."""
    return "percentage points" if unit == "%" else unit


def number(value, unit: str = "", signed: bool = False) -> str:
    """A bare number rounded by its unit's rule ('7.5', '+0.3', '1,234'); 'n/a' when missing."""
    if value is None or value != value:  # None or NaN
        return "n/a"
    digits = decimals(unit)
    return f"{value:+,.{digits}f}" if signed else f"{value:,.{digits}f}"


def level(value, unit: str) -> str:
    """A value with its unit: '7.5%', '78.9 years', '312 per 100,000'."""
    if value is None or value != value:
        return "n/a"
    text = number(value, unit)
    return f"{text}%" if unit == "%" else f"{text} {unit}".strip()


def difference(value, unit: str, signed: bool = True) -> str:
    """A difference with its unit: '+1.5 percentage points' for percentages, '-0.4 years'."""
    if value is None or value != value:
        return "n/a"
    return f"{number(value, unit, signed)} {difference_unit(unit)}".strip()


def excel_format(unit: str | None) -> str:
    """The Excel number format of the unit's rounding rule ('0.0', '#,##0', '0.00')."""
    digits = decimals(unit)
    return "#,##0" if digits == 0 else "#,##0." + "0" * digits


# --- Print-safe comparison marks: a symbol and a word in every cell, and lightness that differs in grey ---
COMPARISON_MARKS = {"better": "▲", "similar": "●", "worse": "▼", "not compared": "○"}
# background tints for tables: light (better), mid (similar), dark enough to differ in greyscale (worse)
COMPARISON_TINTS = {"better": "#E3F1FA", "similar": "#EDC860", "worse": "#C8693A", "not compared": "#FFFFFF"}
# spine charts: England's range of areas, as Fingertips draws it
ENGLAND_RANGE = "#E4E4E4"  # worst to best
ENGLAND_IQR = "#A8A8A8"  # 25th to 75th percentile
