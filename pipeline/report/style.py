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
    plt.rcParams.update({
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
    })


def footer(fig, sources: str, demonstration: bool) -> None:
    """Source and licence line at the foot of a chart, and the demonstration stamp when it applies."""
    fig.text(0.01, 0.01, sources, fontsize=7.5, color="#444444", ha="left", va="bottom", wrap=True)
    if demonstration:
        fig.text(0.99, 0.985, DEMONSTRATION_STAMP, fontsize=8.5, color="#B00020", ha="right", va="top",
                 fontweight="bold")
