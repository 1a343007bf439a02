"""A pull step: put the secrets a deployment run needs into its environment, from Prefect Secret blocks.

In `prefect.yaml` (top-level `pull:`):

    - ofm.deploy.steps.environment:
        OFM_ODOO_API_KEY: "{{ prefect.blocks.secret.ofm-odoo-api-key }}"

Why a pull step and not `job_variables.env`: `prefect deploy` resolves `{{ prefect.blocks.* }}` in a
deployment's job variables when it deploys, so the secret's value is stored in the deployment (shown in the
UI's Configuration tab, returned by the API, carried in the `prefect.deployment.updated` event). Pull steps are
kept as written and resolved by the worker for each run (Prefect 3.9: `prefect.runner._workspace_supervisor`
runs them, then starts the flow's engine with the environment they leave), so the value exists only in the
run's process. Neither this step nor Prefect logs the values; Prefect records the step's inputs before they
are resolved. An empty value leaves the variable as the worker's environment or `.env` has it.
"""

from __future__ import annotations

import os


def environment(**variables: object) -> dict[str, list[str]]:
    """Set each variable that has a non-empty value; returns the names set (never the values)."""
    names = []
    for name, value in variables.items():
        if value is None or not str(value).strip():
            continue
        os.environ[name] = str(value)
        names.append(name)
    return {"environment": sorted(names)}
