"""Extract files -> validated, pseudonymised DuckDB warehouse. Knows nothing about pages."""
