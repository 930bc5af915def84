"""Before any model runs: do the LSOA-level sources of each ward vintage describe the same LSOAs?

A ward's deprivation is the population-weighted mean of its LSOAs' scores, and a ward indicator built
from counts is the sum over its LSOAs. Both silently lose people when the lookup and the other file are
of different LSOA vintages (2011 LSOAs against 2021 ones: codes of split or merged LSOAs differ). So
for every [[ward_vintages]] entry, and every indicator made from counts, the borough's LSOAs are
matched here on the raw tables, and a mismatch stops the build with one line: how many LSOAs and how
many people did not match, the first few codes, and what to do.

The borough's LSOAs are those the lookup places in the configured local authority (or, for a
codes-only lookup, those the deprivation file places there).
"""

from __future__ import annotations

import duckdb

from pipeline.config import AREA_COUNTS_FORMAT, Config, WardVintage

EXAMPLES = 3


class VintageMismatch(ValueError):
    """LSOA-level sources of one ward vintage do not describe the same LSOAs."""


def _exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables where table_schema = 'raw' and table_name = ?", [table]
        ).fetchall()[0][0]
    )


def _codes(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> list[str]:
    return [row[0] for row in con.execute(sql, params).fetchall()]


def _vintage_of(con: duckdb.DuckDBPyConnection, table: str, column: str, source: str) -> str:
    found = _codes(
        con, f"select distinct {column} from raw.{table} where _source = ? and coalesce({column}, '') <> ''", [source]
    )
    return f"LSOA {found[0]}" if len(found) == 1 else "LSOA vintage not stated in the header"


def _population(con: duckdb.DuckDBPyConnection, config: Config, vintage: WardVintage, codes: list[str]) -> int:
    """People in `codes` by the vintage's first population source that has them (0 where none has)."""
    if not codes:
        return 0
    total, left = 0.0, set(codes)
    for source_id in vintage.population:
        table, column = _population_column(config, source_id)
        if not _exists(con, table):
            continue
        rows = con.execute(
            f"select lsoa_code, max(try_cast(replace({column}, ',', '') as double)) from "
            f"(select {'area_code' if table == 'area_count' else 'lsoa_code'} as lsoa_code, {column} "
            f"from raw.{table} where _source = ?) group by lsoa_code",
            [source_id],
        ).fetchall()
        for code, people in rows:
            if code in left and people is not None:
                total += people
                left.discard(code)
    return round(total)


def _population_column(config: Config, source_id: str) -> tuple[str, str]:
    fmt = config.source(source_id).reads_as
    return (
        ("area_count", "denominator")
        if fmt == AREA_COUNTS_FORMAT
        else ("imd_lsoa" if fmt == "english_indices_of_deprivation" else "lsoa_population", "population")
    )


def _borough_lookup_lsoas(con: duckdb.DuckDBPyConnection, config: Config, vintage: WardVintage) -> list[str]:
    return _codes(
        con,
        """
        select distinct lookup.lsoa_code
        from raw.lsoa_ward_lookup as lookup
        left join raw.imd_lsoa as imd on imd.lsoa_code = lookup.lsoa_code and imd._source = ?
        where lookup._source = ? and coalesce(nullif(lookup.la_code, ''), imd.la_code) = ?
        order by 1""",
        [vintage.deprivation, vintage.lookup, config.la_code],
    )


def check_vintages(con: duckdb.DuckDBPyConnection, config: Config) -> list[dict]:
    """Check every ward vintage and counts indicator; raise VintageMismatch on the first mismatch.

    Returns one record per ward vintage (LSOAs matched), for the run manifest."""
    if not (_exists(con, "lsoa_ward_lookup") and _exists(con, "imd_lsoa")):
        return []
    records = []
    for vintage in config.ward_vintages:
        borough = _borough_lookup_lsoas(con, config, vintage)
        where = (
            f"ward vintage {vintage.id!r} (lookup {vintage.lookup!r}, "
            f"{_vintage_of(con, 'lsoa_ward_lookup', 'lsoa_vintage', vintage.lookup)}; deprivation "
            f"{vintage.deprivation!r}, {_vintage_of(con, 'imd_lsoa', 'lsoa_vintage', vintage.deprivation)})"
        )
        if not borough:
            raise VintageMismatch(
                f"{where}: the lookup places no LSOA in local authority {config.la_code} "
                f"({config.la_name}); check [local_authority] code in {config.path.name} and that "
                "the lookup covers the borough"
            )
        scored = set(_codes(con, "select lsoa_code from raw.imd_lsoa where _source = ?", [vintage.deprivation]))
        unscored = [c for c in borough if c not in scored]
        unplaced = _codes(
            con,
            """
            select imd.lsoa_code from raw.imd_lsoa as imd
            where imd._source = ? and imd.la_code = ?
              and imd.lsoa_code not in (select lsoa_code from raw.lsoa_ward_lookup where _source = ?)
            order by 1""",
            [vintage.deprivation, config.la_code, vintage.lookup],
        )
        if unscored or unplaced:
            people = _population(con, config, vintage, unplaced)
            raise VintageMismatch(
                f"{where}: the files are of different LSOA vintages for {config.la_name}: {len(unscored)} of the "
                f"lookup's {len(borough)} borough LSOAs have no deprivation score"
                + (f" (e.g. {', '.join(unscored[:EXAMPLES])})" if unscored else "")
                + f", and {len(unplaced)} of the deprivation file's borough LSOAs ({people:,} people) are in no ward"
                + (f" (e.g. {', '.join(unplaced[:EXAMPLES])})" if unplaced else "")
                + "; give both of one LSOA vintage: IoD2019 (2011 LSOAs) with an LSOA 2011 ward lookup "
                "(e.g. December 2017), or IoD2025 (2021 LSOAs) with an LSOA 2021 lookup (e.g. 2024)"
            )
        unweighted = _unweighted(con, config, vintage, borough)
        if unweighted:
            raise VintageMismatch(
                f"{where}: {len(unweighted)} of the {len(borough)} borough LSOAs have no population in the "
                f"population source(s) {list(vintage.population)} (e.g. {', '.join(unweighted[:EXAMPLES])}); "
                "add a population source of the lookup's LSOA vintage (e.g. IoD File 6, or Census 2021 residents "
                "for 2021 LSOAs) to the entry's population list"
            )
        records.append({"ward_vintage": vintage.id, "borough_lsoas": len(borough), "matched": len(borough)})
    for indicator in config.indicators:
        if (
            indicator.source not in {s.id for s in config.sources}
            or config.source(indicator.source).reads_as != AREA_COUNTS_FORMAT
        ):
            continue
        _check_counts(con, config, indicator)
    return records


def _unweighted(con, config: Config, vintage: WardVintage, borough: list[str]) -> list[str]:
    left = set(borough)
    for source_id in vintage.population:
        table, column = _population_column(config, source_id)
        if not _exists(con, table):
            continue
        code = "area_code" if table == "area_count" else "lsoa_code"
        left -= set(
            _codes(
                con,
                f"select {code} from raw.{table} where _source = ? and "
                f"try_cast(replace({column}, ',', '') as double) > 0",
                [source_id],
            )
        )
    return sorted(left)


def _check_counts(con: duckdb.DuckDBPyConnection, config: Config, indicator) -> None:
    vintage = config.ward_vintage(indicator.ward_vintage)
    source = config.source(indicator.source)
    where = (
        f"indicator {indicator.id!r} (counts from {source.id!r}, wards of {vintage.id!r} through lookup "
        f"{vintage.lookup!r})"
    )
    if not _exists(con, "area_count"):
        return
    categories = set(_codes(con, "select distinct category from raw.area_count where _source = ?", [source.id]))
    missing = [c for c in indicator.numerator if c not in categories]
    if missing:
        raise VintageMismatch(
            f"{where}: numerator categor{'y' if len(missing) == 1 else 'ies'} {missing} not in "
            f"the file's {source.column('category')!r} column, which holds {sorted(categories)}; "
            f"correct 'numerator' in {config.path.name}"
        )
    borough = _borough_lookup_lsoas(con, config, vintage)
    counted = set(_codes(con, "select distinct area_code from raw.area_count where _source = ?", [source.id]))
    looked_up = set(_codes(con, "select lsoa_code from raw.lsoa_ward_lookup where _source = ?", [vintage.lookup]))
    uncounted = [c for c in borough if c not in counted]
    unplaced = sorted(counted - looked_up)
    if uncounted or unplaced:
        people = round(
            sum(
                r[0] or 0
                for r in con.execute(
                    "select max(try_cast(replace(denominator, ',', '') as double)) from raw.area_count "
                    "where _source = ? and area_code in (select unnest(?)) group by area_code",
                    [source.id, unplaced],
                ).fetchall()
            )
        )
        raise VintageMismatch(
            f"{where}: the counts and the lookup are of different area vintages: {len(uncounted)} of the lookup's "
            f"{len(borough)} borough LSOAs have no counts"
            + (f" (e.g. {', '.join(uncounted[:EXAMPLES])})" if uncounted else "")
            + f", and {len(unplaced)} counted areas ({people:,} in their denominators) are in no ward"
            + (f" (e.g. {', '.join(unplaced[:EXAMPLES])})" if unplaced else "")
            + "; give counts on the lookup's LSOAs (Census 2021 tables are on 2021 LSOAs: use an LSOA 2021 lookup)"
        )
