"""Real servers the project starts for its own tests, benchmarks and demo (never imported by flows)."""
