"""The project's own tools, run from the project's folder (`python -m tools.demonstration_data`,
`python tools/compare_warehouses.py`). They are not part of the installed package: nothing in pipeline/
imports them (tests/test_demonstration_data.py checks), and pyproject.toml's package discovery leaves them out.
"""
