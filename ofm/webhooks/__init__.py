"""Signed webhook intake: approvals arrive over HTTP, are kept in the inbox, then become Prefect events.

`POST /webhooks/{source}` (app.py) checks the signature and the timestamp (signing.py), validates the event
(schemas.py), stores it with the approver's audit row in one transaction (intake.py), and only then emits
`ofm.approval.<kind>` to Prefect (relay.py), which a deployment trigger matches on the resource id.
`ofm quarantine approve|reject` goes through the same intake and relay, so one trigger serves both.
"""
