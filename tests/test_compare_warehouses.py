"""tools/compare_warehouses.py compare: rows in the same order by default, in any order with --any-order."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tools import compare_warehouses


def _dump(folder: Path, frame: pd.DataFrame) -> Path:
    folder.mkdir()
    frame.to_parquet(folder / "marts.t.parquet", index=False)
    return folder


TABLE = pd.DataFrame(
    {"ward": ["A", "B", "C", "C"], "period": ["2020", "2020", "2020", "2021"], "value": [1.5, float("nan"), 0.1, 2.0]}
)


def test_the_same_rows_in_another_order_differ_unless_any_order(tmp_path, capsys):
    before = _dump(tmp_path / "before", TABLE)
    after = _dump(tmp_path / "after", TABLE.iloc[[3, 1, 0, 2]])
    assert compare_warehouses.main(["compare", str(before), str(after)]) == 1
    assert compare_warehouses.main(["compare", str(before), str(after), "--any-order"]) == 0
    assert "ok       marts.t.parquet: 4 rows, identical" in capsys.readouterr().out


def test_any_order_still_finds_a_changed_value_and_a_float_beyond_the_tolerance(tmp_path, capsys):
    before = _dump(tmp_path / "before", TABLE)
    changed = _dump(tmp_path / "changed", TABLE.iloc[::-1].replace({"ward": {"B": "Z"}}))
    assert compare_warehouses.main(["compare", str(before), str(changed), "--any-order"]) == 1
    nudged = TABLE.iloc[::-1].copy()
    nudged.loc[0, "value"] = 1.5 + 1e-9
    drifted = _dump(tmp_path / "drifted", nudged)
    assert compare_warehouses.main(["compare", str(before), str(drifted), "--any-order"]) == 1
    assert compare_warehouses.main(["compare", str(before), str(drifted), "--any-order", "--tolerance", "1e-6"]) == 0
