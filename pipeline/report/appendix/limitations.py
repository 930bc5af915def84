"""The report's limitations section: ward counts behind each grouping, vintages and weights of each
indicator, and what ward-level gaps cannot show whatever the data (UNDERSTATEMENTS)."""

from __future__ import annotations

# What ward-level gaps cannot show, whatever the data: printed in the report's limitations section.
UNDERSTATEMENTS = (
    "Ward averages hide inequality within wards: a ward's value is the mean of all its residents, so "
    "deprived streets inside an otherwise affluent ward (and the reverse) are averaged away, and every "
    "gap between wards understates the gap between people (the ecological fallacy runs the other way too: "
    "a ward's deprivation does not say that its residents are deprived).",
    "Groups of a few wards: with about two dozen wards, a local fifth holds five or six wards and a local "
    "tenth two or three, so one ward's value moves a group mean; the confidence intervals include the "
    "wards' sampling error but not the choice of boundaries.",
    "Deprivation is fixed at one IMD edition per set of ward boundaries: wards are ranked by the IMD "
    "edition named below for every period of an indicator, including periods years before or after the "
    "edition's data, so wards whose deprivation changed are grouped as they were at that edition.",
    "Population weights are of one year (named below) for every period: shifts of population between "
    "LSOAs in other years are not reflected in the ward scores or group means.",
    "Small counts are suppressed by the disclosure rule: suppressed wards drop out of the group means and "
    "gaps of their period, which then rest on fewer wards.",
    "Pooled periods (e.g. 2015 - 19) share years with their neighbours: such periods are not tested against "
    "each other (fct_gap_change compares the baseline only with a later period that shares no years with "
    "it), and a trend across rolling periods is not tested.",
    "The on-track score of a target is Φ(d·(A − E)/SE), from a normal approximation: the share of the "
    "sampling distribution of the latest value (centred on the estimate, with its standard error) that "
    "lies on the target side of the trajectory. It measures how far the estimate is from the trajectory "
    "in standard errors; it is not a Bayesian probability that the borough is on track.",
)


def limitations(con, config=None) -> dict:
    """The limitations section, from the warehouse's marts (read by `queries.limitation_counts`): ward
    counts behind each grouping (wards per local and national deprivation group, per set of ward
    boundaries: marts.fct_ward_deprivation), the vintages and weights of each indicator (IMD edition and
    population weights applied to which periods: config.indicator, marts.fct_gap_measure,
    marts.dim_indicator_period), the fewest wards with a value behind any group mean
    (marts.fct_deprivation_group_mean), and the understatements that no data can correct
    (UNDERSTATEMENTS). Plain strings and numbers; the template escapes them."""
    from pipeline.report.queries import limitation_counts

    counted = limitation_counts(con)
    groupings = []
    wards = {vintage: n for vintage, n, _, _ in counted["wards"]}
    unscored = {vintage: n for vintage, _, n, _ in counted["wards"]}
    partial = {vintage: n for vintage, _, _, n in counted["wards"]}
    order = ["local_quintile", "local_decile", "national_quintile", "national_decile"]
    names = {
        "local_quintile": "local fifths",
        "local_decile": "local tenths",
        "national_quintile": "national fifths",
        "national_decile": "national tenths",
    }
    by_key: dict[tuple[str, str], dict[int, int]] = {}
    for vintage, grouping, grp, count in counted["groups"]:
        by_key.setdefault((vintage, grouping), {})[int(grp)] = int(count)
    for vintage in sorted(wards):
        for grouping in order:
            counts = by_key.get((vintage, grouping), {})
            size = 5 if grouping.endswith("quintile") else 10
            cells = [counts.get(g, 0) for g in range(1, size + 1)]
            groupings.append(
                {
                    "ward_vintage": vintage,
                    "grouping": grouping,
                    "label": names[grouping],
                    "counts": cells,
                    "wards": int(wards[vintage]),
                    "empty": sum(1 for c in cells if c == 0),
                }
            )
    fewest, vintages = counted["fewest"], counted["vintages"]
    return {
        "groupings": groupings,
        "wards": {
            v: {"wards": int(n), "unscored": int(unscored.get(v, 0)), "partial": int(partial.get(v, 0))}
            for v, n in sorted(wards.items())
        },
        "fewest": [{"grouping": g, "label": names.get(g, g), "min": int(lo), "max": int(hi)} for g, lo, hi in fewest],
        "vintages": [
            {
                "indicator_id": r[0],
                "indicator": r[1],
                "ward_vintage": r[2],
                "imd_edition": r[3],
                "population_weights": r[4],
                "first_period": r[5] or "",
                "last_period": r[6] or "",
                "periods": int(r[7] or 0),
            }
            for r in vintages
        ],
        "understatements": list(UNDERSTATEMENTS),
    }
