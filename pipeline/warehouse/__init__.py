"""Load room: landed raw files → `raw.*` tables, fsot.toml → `config.*` tables, in DuckDB."""
