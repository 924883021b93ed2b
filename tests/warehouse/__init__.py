"""Warehouse tests: the tap through Meltano into DuckDB and PostgreSQL."""
