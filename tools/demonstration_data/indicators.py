"""The Fingertips indicators of the sample and their synthetic values: life expectancy and proportions of
England, the borough, its wards and England's deprivation deciles, by period (see the package docstring)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from tools.demonstration_data.layouts import AGGREGATED, SUPPRESSED, fingertips_number
from tools.demonstration_data.model import Z95, Z998, Shape, logistic, logit


def wilson(count: np.ndarray, n: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for count/n (proportions, 0–1) at Z95 or Z998: the build's own method
    (pipeline.methods.proportion), so the demonstration publishes what fsot would compute."""
    from pipeline.methods.proportion import proportion

    out = proportion(count, n, {Z95: 0.95, Z998: 0.998}[z])
    return out["lower_ci"], out["upper_ci"]


@dataclass(frozen=True)
class Indicator:
    """One Fingertips indicator and the coefficients of its synthetic model."""

    id: str
    name: str
    slug: str
    age: str
    sexes: tuple[str, ...]
    period_style: str  # "5y" pooled, "financial" or "calendar"
    higher_is_better: bool
    # proportions: logit p = logit(england_first) + slope·d + trend·t + shocks[t] + ward effect + noise
    england_first: float = 0.0
    slope: float = 0.0
    trend: float = 0.0
    shocks: tuple[float, ...] = ()
    denominator: str = ""  # ward "working", "children" or "households"
    england_denominator: float = 0.0
    fractional_denominator: bool = False
    suppress_periods: tuple[int, ...] = ()  # periods (0-based) whose smallest ward count is suppressed
    borough_note: str = ""


INDICATORS = [
    Indicator(
        "93283",
        "Life expectancy at birth, (upper age band 90+)",
        "life_expectancy_at_birth",
        "All ages",
        ("Male", "Female"),
        "5y",
        True,
    ),
    Indicator(
        "93097",
        "Unemployment: out-of-work benefit claimants (% of working age population)",
        "unemployment",
        "16-64 yrs",
        ("Persons",),
        "financial",
        False,
        england_first=0.02,
        slope=0.6,
        trend=-0.02,
        shocks=(0, -0.05, 0.0, 0.1, 0.45, 0.35, 0.3),
        denominator="working",
        england_denominator=35_000_000,
        suppress_periods=(1, 3),
    ),
    Indicator(
        "93759",
        "Fuel poverty (low income, low energy efficiency methodology)",
        "fuel_poverty",
        "Not applicable",
        ("Persons",),
        "calendar",
        False,
        england_first=0.111,
        slope=0.3,
        trend=0.03,
        shocks=(0, 0, 0.02, 0, -0.02, 0.03, 0.05),
        denominator="households",
        england_denominator=23_400_000,
        fractional_denominator=True,
        suppress_periods=(2,),
        borough_note=AGGREGATED,
    ),
    Indicator(
        "93701",
        "Children in relative low income families (under 16s)",
        "children_in_low_income_families",
        "<16 yrs",
        ("Persons",),
        "financial",
        False,
        england_first=0.151,
        slope=0.5,
        trend=0.05,
        shocks=(0, 0, 0.02, 0.04, -0.05, 0.02, 0.04),
        denominator="children",
        england_denominator=10_800_000,
        suppress_periods=(0,),
    ),
]

# England life expectancy by period (2012 - 16 …) before the deprivation gradient
ENGLAND_LE = {"Male": (79.4, 79.5, 79.6, 79.6, 79.4, 79.1, 78.9), "Female": (83.1, 83.2, 83.2, 83.2, 83.1, 82.9, 82.8)}
# County & UA deprivation deciles of England, on the ward deprivation scale d (most deprived first)
DECILE_DEPRIVATION = np.linspace(0.65, -0.55, 10)


def per_period(values: tuple[float, ...], periods: int) -> np.ndarray:
    """The first `periods` values, the last one repeated if there are fewer."""
    return np.array([values[min(k, len(values) - 1)] for k in range(periods)], dtype=float)


def periods(indicator: Indicator, p: Shape) -> tuple[list[str], list[str], str]:
    """Period labels, 'Time period Sortable' values and 'Time period range'."""
    if indicator.period_style == "5y":
        years = range(p.le_first_year, p.le_first_year + p.periods)
        return [f"{y} - {(y + 4) % 100:02d}" for y in years], [f"{y}0000" for y in years], "5y"
    years = range(p.first_year, p.first_year + p.periods)
    if indicator.period_style == "financial":
        return [f"{y}/{(y + 1) % 100:02d}" for y in years], [f"{y}0000" for y in years], "1y"
    return [str(y) for y in years], [f"{y}0000" for y in years], "1y"


@dataclass
class Series:
    """One indicator × sex: arrays (areas × periods). Areas: England, the borough, the borough's wards,
    then the England deprivation-decile categories. NaN = not published."""

    value: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    lower998: np.ndarray
    upper998: np.ndarray
    count: np.ndarray | None = None
    denominator: np.ndarray | None = None
    se: np.ndarray | None = None
    notes: dict[tuple[int, int], str] = field(default_factory=dict)


def life_expectancy(p: Shape, sex: str, wards: dict[str, np.ndarray], rng: np.random.Generator) -> Series:
    """Life expectancy at birth of England, the borough, its wards and the England deprivation
    deciles (rows) by period (columns)."""
    d, population = wards["deprivation"], wards["population"]
    t = np.arange(p.periods)
    gap = (p.male_le_gap + p.le_gap_widening * t) * (1.0 if sex == "Male" else p.female_le_gap_ratio)
    slope = gap / (d.max() - d.min())  # years per unit of d, by period
    england = per_period(ENGLAND_LE[sex], p.periods) + rng.normal(0, 0.02, t.size)
    ward = england - slope * d[:, None] + rng.normal(0, 0.9, (d.size, 1)) + rng.normal(0, 0.45, (d.size, t.size))
    ward_se = np.clip(3.8 / np.sqrt(population / 1000)[:, None] * rng.uniform(0.95, 1.05, ward.shape), 1.0, 2.5)
    borough = np.average(ward, axis=0, weights=population) - 0.2
    deciles = england - slope * DECILE_DEPRIVATION[:, None] + rng.normal(0, 0.1, (DECILE_DEPRIVATION.size, t.size))
    value = np.vstack([england, borough, ward, deciles])
    se = np.vstack(
        [np.full(t.size, 0.03), np.full(t.size, 0.22), ward_se, np.full((DECILE_DEPRIVATION.size, t.size), 0.05)]
    )
    return Series(
        value=value,
        lower=value - Z95 * se,
        upper=value + Z95 * se,
        lower998=value - Z998 * se,
        upper998=value + Z998 * se,
        se=se,
    )


def as_published(values: np.ndarray, fractional: bool) -> np.ndarray:
    """Denominators as the export writes them: whole numbers, or 10 significant digits."""
    if not fractional:
        return np.round(values)
    return np.vectorize(lambda v: float(fingertips_number(v)), otypes=[float])(values)


def proportion(p: Shape, ind: Indicator, wards: dict[str, np.ndarray], rng: np.random.Generator) -> Series:
    """Counts, denominators, percentages and Wilson limits of England, the borough, its wards and the
    England deprivation deciles (rows) by period (columns)."""
    t, d = np.arange(p.periods), wards["deprivation"]
    base = {
        "working": wards["working"] * 1.04,
        "children": wards["children"],
        "households": wards["population"] / 2.25,
    }[ind.denominator]
    growth = 1 + 0.004 * t
    n = as_published(base[:, None] * growth * rng.normal(1, 0.01, (base.size, t.size)), ind.fractional_denominator)
    period_effect = ind.trend * t + per_period(ind.shocks, p.periods)
    eta = (
        logit(ind.england_first)
        + ind.slope * d[:, None]
        + period_effect
        + rng.normal(0, 0.12, (d.size, 1))
        + rng.normal(0, 0.05, n.shape)
    )
    count = rng.binomial(np.floor(n).astype(np.int64), logistic(eta)).astype(float)

    england_n = as_published(
        ind.england_denominator * growth * rng.normal(1, 0.001, t.size), ind.fractional_denominator
    )
    england_count = rng.binomial(
        np.floor(england_n).astype(np.int64), logistic(logit(ind.england_first) + period_effect)
    ).astype(float)
    decile_n = as_published(np.outer(rng.uniform(0.08, 0.12, 10), england_n), ind.fractional_denominator)
    decile_eta = logit(ind.england_first) + ind.slope * DECILE_DEPRIVATION[:, None] + period_effect
    decile_count = rng.binomial(np.floor(decile_n).astype(np.int64), logistic(decile_eta)).astype(float)

    all_count = np.vstack([england_count, count.sum(axis=0), count, decile_count])
    all_n = np.vstack([england_n, as_published(n.sum(axis=0), ind.fractional_denominator), n, decile_n])
    lower, upper = wilson(all_count, all_n, Z95)
    lower998, upper998 = wilson(all_count, all_n, Z998)
    s = Series(
        value=100 * all_count / all_n,
        lower=100 * lower,
        upper=100 * upper,
        lower998=100 * lower998,
        upper998=100 * upper998,
        count=all_count,
        denominator=all_n,
    )
    if ind.borough_note:
        s.notes.update({(1, k): ind.borough_note for k in t})
    for k in ind.suppress_periods:  # the smallest ward count of the period, suppressed by the publisher
        withhold(s, 2 + int(np.argmin(count[:, k])), k, SUPPRESSED)
    return s


def withhold(s: Series, i: int, k: int, note: str) -> None:
    """Leave one value unpublished (empty value, limits and count; the denominator stays) with a note."""
    for array in (s.value, s.lower, s.upper, s.lower998, s.upper998, s.count):
        if array is not None:
            array[i, k] = np.nan
    s.notes[(i, k)] = note
