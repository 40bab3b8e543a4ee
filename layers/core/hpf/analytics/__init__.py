"""Analytics over ledger snapshots in Parquet: synthetic data, and (later) indicators, audit rules, cockpit.
DuckDB in process; the same SQL runs on Athena/Trino when the data outgrows one machine."""
