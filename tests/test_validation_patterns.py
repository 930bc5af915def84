"""The suites' patterns match what Python's re matches, whichever engine pandas hands them to.

pandas matches a pattern over Arrow-backed strings with Arrow's RE2 unless the pattern or the data needs
Python's re (`\\s`, `\\S`, lookarounds, `$` beside a newline, …), and then a row at a time. The suites spell
Python's `\\S` as a class of characters (suites.NOT_WHITESPACE) so that RE2 can run it; these tests hold it
to `\\S` over every code point and through pandas' string methods."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.validate.suites import NOT_WHITESPACE

EVERY_CHARACTER = [chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000]  # UTF-8 has no surrogates
INDICATOR_ID = f"^{NOT_WHITESPACE}+$"


def test_the_class_is_python_s_not_whitespace_for_every_code_point():
    by_python = re.compile(r"\S")
    expected = [bool(by_python.match(c)) for c in EVERY_CHARACTER]
    assert [bool(re.match(NOT_WHITESPACE, c)) for c in EVERY_CHARACTER] == expected
    by_re2 = pc.match_substring_regex(pa.array(EVERY_CHARACTER), pattern=f"^{NOT_WHITESPACE}$")
    assert by_re2.to_pylist() == expected
    assert sum(not e for e in expected) == 29  # the characters str.isspace() calls whitespace
    assert all(c.isspace() for c, e in zip(EVERY_CHARACTER, expected) if not e)


def _arrow_strings(cells: list) -> pd.Series:
    return pd.Series(pd.array(cells, dtype=pd.StringDtype(storage="pyarrow", na_value=np.nan)))


def test_pandas_runs_the_indicator_id_pattern_with_arrow_not_a_row_at_a_time():
    cells = _arrow_strings(["93283", "E05001234", "a b"])
    assert not cells.array._needs_python_regex(INDICATOR_ID)
    assert cells.array._needs_python_regex(r"^\S+$")  # why the class is spelt out


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.none(),
            st.text(alphabet=st.sampled_from("9a-_ \t\n\r\x0b\x0c\x1c\x85\xa0\u1680\u2007\u2028\u3000éZ"), max_size=6),
            st.text(max_size=4),
        ),
        min_size=1,
        max_size=20,
    )
)
def test_the_indicator_id_check_matches_as_python_s_pattern(cells):
    """As Great Expectations' regex check runs it (`astype(str).str.contains`): the same outcome, missing
    cells included, as the pattern `^\\S+$` the check had before (which pandas ran by Python's re), and
    for every cell given that of Python's re."""
    got = _arrow_strings(cells).astype(str).str.contains(INDICATOR_ID).tolist()
    assert got == _arrow_strings(cells).astype(str).str.contains(r"^\S+$").tolist()
    given_cells = [(c, g) for c, g in zip(cells, got) if c is not None]
    assert [bool(g) for _, g in given_cells] == [bool(re.search(r"^\S+$", c)) for c, _ in given_cells]
