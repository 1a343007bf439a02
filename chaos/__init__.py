"""The fault suite (issue 13): every flow under the faults production brings, counted the same way.

`chaos.core` holds the shared vocabulary: a `Scenario` (one flow under one fault on one target) runs for a seed and
returns a `Cell` of counts read back from the target; `tally` turns what was read back into those counts. Scenarios
live in `chaos.sandbox` (faults injected by the Odoo sandbox and by killing the process) and `chaos.infra` (the
infrastructure: PostgreSQL restarted, the Prefect server unreachable, the Odoo server restarted, disk full, processes
killed beside a real Odoo). `python -m chaos` runs them over many seeds and prints one table (`make chaos`).
"""
