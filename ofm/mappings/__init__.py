"""Declarative mappings (YAML) from source systems to canonical models, and the data-quality suite.

`engine` loads, validates and applies mapping files; `quality` runs the expectation suite
(Great Expectations, imported lazily: it is slow to import).
"""
