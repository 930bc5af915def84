"""The period grammar: what the validation accepts, and the first and last day each form covers
(sql/macros/period_start.sql, period_end.sql), worked out by hand."""

from __future__ import annotations

import re

import duckdb
import pytest

from pipeline.config import SQL_DIR
from pipeline.validate.suites import PERIOD
from pipeline.warehouse.runner import create_macros

CASES = [
    ("2021", "2021-01-01", "2021-12-31"),
    ("2021/22", "2021-04-01", "2022-03-31"),
    ("1999/00", "1999-04-01", "2000-03-31"),
    ("2019 - 21", "2019-01-01", "2021-12-31"),
    ("2019-2021", "2019-01-01", "2021-12-31"),
    ("2018/19 - 20/21", "2018-04-01", "2021-03-31"),
    ("2021 Q3", "2021-07-01", "2021-09-30"),
    ("2021/22 Q1", "2021-04-01", "2021-06-30"),
    ("2021/22 Q4", "2022-01-01", "2022-03-31"),
    ("Jan 2024", "2024-01-01", "2024-01-31"),
    ("February 2024", "2024-02-01", "2024-02-29"),
    ("October 2026", "2026-10-01", "2026-10-31"),
]


@pytest.fixture(scope="module")
def con():
    connection = duckdb.connect()
    create_macros(connection, SQL_DIR)
    yield connection
    connection.close()


@pytest.mark.parametrize("label, start, end", CASES)
def test_each_form_of_the_grammar_has_its_first_and_last_day(con, label, start, end):
    assert re.fullmatch(PERIOD, label)
    assert con.execute(
        "select cast(period_start(?) as varchar), cast(period_end(?) as varchar)", [label, label]
    ).fetchall() == [(start, end)]


@pytest.mark.parametrize("label", ["2021-13-99", "2021 garbage", "99999999", "21/22", "2021 Q5", "Foo 2021", ""])
def test_labels_outside_the_grammar_are_refused(label):
    assert not re.fullmatch(PERIOD, label)
