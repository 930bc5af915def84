"""Every field the build writes is described in sql/data_dictionary.toml, and nothing else is."""

from __future__ import annotations

import tomllib

import duckdb
import pytest

import tiny_project
from pipeline.config import SQL_DIR
from pipeline.warehouse.build import build_warehouse

# slow: every test here builds a warehouse (or runs `fsot`) from a project first
pytestmark = pytest.mark.slow


def test_data_dictionary_matches_the_built_tables(tmp_path):
    config = tiny_project.landed(tmp_path)
    build_warehouse(config)
    con = duckdb.connect(str(config.warehouse_path), read_only=True)
    built = {}
    for schema, table, column in con.execute(
        "select table_schema, table_name, column_name from information_schema.columns "
        "where table_schema in ('intermediate', 'marts') order by all"
    ).fetchall():
        built.setdefault(f"{schema}.{table}", set()).add(column)
    con.close()
    dictionary = tomllib.loads((SQL_DIR / "data_dictionary.toml").read_text(encoding="utf-8"))
    documented = {table: set(entry["columns"]) for table, entry in dictionary.items()}
    assert set(documented) == set(built)
    for table, columns in built.items():
        assert columns - documented[table] == set(), f"{table}: undocumented columns"
        assert documented[table] - columns == set(), f"{table}: documented columns that no longer exist"
        assert all(dictionary[table]["columns"][c].strip() for c in columns)
