"""The shape of the synthetic sample (`Shape`: seed, sizes, periods, the life-expectancy gap) and the link
functions of its model (logistic, logit, standardised), with the normal quantiles of the published limits."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Shape:
    """The shape of the synthetic sample. Changing one changes the files: regenerate and commit them."""

    seed: int = 20210401  # numpy default_rng seed
    borough_code: str = "E06000004"  # the borough the sample stands in for
    borough_name: str = "Stockton-on-Tees"
    borough_wards: int = 26  # codes E05900001–E05900026
    borough_lsoas: int = 120  # spread over the borough's wards …
    borough_lsoas_per_ward: tuple[int, int] = (3, 7)  # … within these bounds (inclusive)
    borough_deprived_wards: int = 9  # E05900001–09, drawn into the most deprived tenth
    other_authorities: int = 11  # fictional "rest of England"
    other_wards_per_authority: tuple[int, int] = (19, 25)  # inclusive
    other_lsoas_per_ward: tuple[int, int] = (4, 8)  # inclusive
    england_lsoas: int = 32844  # national scale of the IoD2019 ranks
    periods: int = 7  # periods per Fingertips indicator
    first_year: int = 2016  # first financial/calendar year (2016/17, 2016)
    le_first_year: int = 2012  # first life-expectancy period (2012 - 16)
    male_le_gap: float = 18.0  # years, most vs least deprived borough ward, first period
    female_le_gap_ratio: float = 0.8  # women's gap as a share of men's
    le_gap_widening: float = 0.3  # years added to the gap each period


Z95 = 1.959963984540054
Z998 = 3.090232306167813


def logistic(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def logit(p: float) -> float:
    return float(np.log(p / (1.0 - p)))


def standardised(x: np.ndarray) -> np.ndarray:
    return (x - x.mean()) / x.std()
