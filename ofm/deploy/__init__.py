"""Running the flows as Prefect deployments: `prefect.yaml` applied, the secrets of a run, `ofm serve`.

`steps.py` holds the pull step that gives each deployment run its secrets from Prefect Secret blocks;
`deployments.py` applies every deployment of `prefect.yaml` through Prefect's Python API (what
`prefect deploy --all` does, without a second process); `serve.py` starts, on one machine, the Prefect
server, the work pool and its worker, the webhook intake, and deploys.
"""
