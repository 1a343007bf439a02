"""The issue's acceptance, end to end: `prefect.yaml` deployed to the test Prefect server, a process worker in its
own session, a signed approval webhook POSTed to the intake; the triggered deployment runs with the event's
parameters, the held bank account lands in Odoo (the sandbox served over HTTP), the approver is in the audit chain,
and the same decision delivered again applies nothing. The run's Odoo API key comes from a Prefect Secret block
through the pull step: the worker's environment has none, and the deployment record never holds it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flow_world import World, world
from local_servers import serving

from ofm.deploy.deployments import PREFECT_FILE, deploy_all, ensure_work_pool
from ofm.deploy.secrets import ensure_secret_blocks
from ofm.flows.supplier_onboarding import supplier_onboarding
from ofm.sandbox.odoo import create_app as odoo_app
from ofm.settings import Settings
from ofm.webhooks.app import create_app as intake_app
from ofm.webhooks.relay import confirmed_client
from ofm.webhooks.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

pytestmark = [pytest.mark.prefect, pytest.mark.usefixtures("prefect_harness")]

WEBHOOK_SECRET = "whsec-acceptance-5c1d9e2f7a3b4c6d"
BLOCK_KEY = "odoo-key-from-the-secret-block-4d7e"  # the Odoo sandbox accepts only this once the runs start
APPROVER = "Tom Treasury"
DEPLOYMENT = "bank-account-approved/on-bank-account-approved"


def api_url() -> str:
    from prefect.settings import get_current_settings

    return str(get_current_settings().api.url)


@pytest.fixture(scope="module")
def deployed() -> dict:
    """Every deployment of prefect.yaml on the test server (the work pool first, as `ofm serve` does)."""
    api = api_url()
    ensure_work_pool(api)
    done = deploy_all(api)
    assert not done.failed, done.line()
    return {"api": api, "deployed": done}


@pytest.fixture
def w(tmp_path) -> Iterator[World]:
    with world(tmp_path) as w:
        yield w


@pytest.fixture
def odoo_over_http(w: World) -> Iterator[str]:
    """The world's Odoo sandbox on a real port, for the worker's runs (the test reads the same sandbox)."""
    with serving(odoo_app(w.sandbox)) as url:
        yield url


@pytest.fixture
def worker(deployed, w: World, odoo_over_http: str, tmp_path: Path) -> Iterator[subprocess.Popen]:
    """`prefect worker start --pool local-pool` in its own session, configured by its environment alone: no Odoo
    API key in it (the pull step brings the block's), no .env (it runs in an empty folder)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OFM_")}
    env.update({"PREFECT_API_URL": deployed["api"], "PREFECT_WORKER_QUERY_SECONDS": "1",
                "PREFECT_LOGGING_LEVEL": "INFO", "OFM_DATABASE_URL": w.settings.database_url,
                "OFM_ODOO_URL": odoo_over_http, "OFM_ACK_DIR": str(tmp_path / "acks"),
                "OFM_ODOO_BATCH_SIZE": str(w.settings.odoo_batch_size)})
    folder = tmp_path / "worker"
    folder.mkdir()
    log = (tmp_path / "worker.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "prefect", "worker", "start", "--pool", "local-pool"],
                            cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            start_new_session=True)
    yield proc
    for sig, wait in ((signal.SIGINT, 15), (signal.SIGKILL, 5)):
        if proc.poll() is not None:
            break
        os.killpg(proc.pid, sig)
        try:
            proc.wait(wait)
        except subprocess.TimeoutExpired:
            continue
    log.close()


def held_bank_account(w: World):
    """Day 1, then day 2: procurement changed bank accounts, which the onboarding holds for treasury."""
    supplier_onboarding(actor="test")
    w.advance()
    supplier_onboarding(actor="test")
    held = [r for r in w.store.list_quarantine(category="approval", limit=100) if r.field == "bank_accounts"]
    assert held, "day 2 held no bank account"
    return held[0]


def post_approval(w: World, record_ref: str, event_id: str) -> tuple[int, dict]:
    """A signed `supplier_bank_account.approved` naming only the record (no quarantine id), POSTed to the intake
    with the real events client of the test server."""
    settings = Settings(_env_file=None, database_url=w.settings.database_url, webhook_relay_seconds=3600,
                        webhook_secrets={"treasury": WEBHOOK_SECRET})
    body = json.dumps({"id": event_id, "type": "supplier_bank_account.approved",
                       "data": {"record_ref": record_ref, "decided_by": APPROVER}}).encode()
    ts = str(int(time.time()))
    from starlette.testclient import TestClient

    with TestClient(intake_app(settings, store=w.store, client=confirmed_client(api_url()))) as c:
        answer = c.post("/webhooks/treasury", content=body, headers={
            "Content-Type": "application/json", TIMESTAMP_HEADER: ts, SIGNATURE_HEADER: sign(WEBHOOK_SECRET, ts, body)})
        if event_id.endswith("-again"):  # the same request once more: a duplicate, no second event
            again = c.post("/webhooks/treasury", content=body, headers={
                "Content-Type": "application/json", TIMESTAMP_HEADER: ts,
                SIGNATURE_HEADER: sign(WEBHOOK_SECRET, ts, body)})
            assert again.status_code == 200 and again.json()["status"] == "duplicate"
    return answer.status_code, answer.json()


def runs_of(deployment_id, expect: int, timeout: float) -> list:
    """The deployment's flow runs once `expect` of them are final (or the timeout passed), oldest first."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId
    from prefect.client.schemas.sorting import FlowRunSort

    deadline = time.monotonic() + timeout
    while True:
        with get_client(sync_client=True) as client:
            of_it = DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id]))
            runs = client.read_flow_runs(deployment_filter=of_it, sort=FlowRunSort.START_TIME_ASC)
        final = [r for r in runs if r.state is not None and r.state.is_final()]
        if len(final) >= expect or time.monotonic() > deadline:
            return runs
        time.sleep(0.5)


def test_prefect_yaml_deploys_every_flow_with_its_schedules_triggers_and_limits_and_no_secret(deployed):
    from prefect.client.orchestration import get_client

    names = {n.partition("/")[2] for n in deployed["deployed"].applied}
    assert {"supplier-onboarding-nightly", "po-sync-on-demand", "goods-receipt-on-demand", "three-way-match-on-demand",
            "procure-to-pay-half-hourly", "bank-statement-file", "bank-statements-hourly", "ledger-batches-nightly",
            "month-end-close-on-demand", "audit-verify-nightly", "on-bank-account-approved",
            "on-bank-account-rejected", "on-purchase-order-approved"} <= names
    with get_client(sync_client=True) as client:
        approved = client.read_deployment_by_name(DEPLOYMENT)
        nightly = client.read_deployment_by_name("supplier-onboarding/supplier-onboarding-nightly")
        ledger = client.read_deployment_by_name("ledger-batch/ledger-batches-nightly")
        automations = [a for a in client.read_automations() if a.name.startswith("on-bank-account-approved")]
    assert [s.schedule.cron for s in nightly.schedules] == ["0 2 * * *"]
    assert ledger.global_concurrency_limit.limit == 1 and ledger.concurrency_options.collision_strategy == "CANCEL_NEW"
    assert approved.global_concurrency_limit.limit == 1
    # the pull step keeps the block reference; nothing resolved it into the deployment
    steps = json.dumps(approved.pull_steps)
    assert "{{ prefect.blocks.secret.ofm-odoo-api-key }}" in steps
    assert "$OFM_CHECKOUT" not in steps and str(PREFECT_FILE.parent) in steps
    [automation] = automations
    trigger = automation.trigger
    assert trigger.expect == {"ofm.approval.supplier-bank-account.approved"}
    assert trigger.match.model_dump() == {"prefect.resource.id": "ofm.*.supplier.*"}


def test_a_signed_approval_webhook_runs_the_deployment_which_applies_the_held_bank_account_once(
        deployed, w, worker, odoo_over_http):
    from prefect.client.orchestration import get_client

    held = held_bank_account(w)
    iban = held.payload["bank_accounts"][0]["iban"]
    ensure_secret_blocks(deployed["api"], Settings(_env_file=None, odoo_api_key=BLOCK_KEY))
    with get_client(sync_client=True) as client:  # the block may exist from an earlier module: it must hold ours
        from prefect.blocks.system import Secret

        Secret(value=BLOCK_KEY).save("ofm-odoo-api-key", overwrite=True)
        deployment_id = client.read_deployment_by_name(DEPLOYMENT).id
    w.sandbox.api_key = BLOCK_KEY  # from here on only the block's key opens Odoo
    started = time.monotonic()

    status, answer = post_approval(w, held.record_ref, "evt-acc-1-again")
    assert status == 202 and answer["emitted"] is True, answer
    [run] = runs_of(deployment_id, expect=1, timeout=150)
    took = time.monotonic() - started
    assert run.state.type.value == "COMPLETED" and run.state.name == "Completed", (run.state, took)
    assert run.parameters == {"record_ref": held.record_ref, "approver": APPROVER, "quarantine_id": None,
                              "event_id": "evt-acc-1-again"}

    w.sandbox.api_key = "sandbox-key"  # the test's own client reads Odoo back
    banks = w.odoo.search_read("res.partner.bank", [], ["sanitized_acc_number", "partner_id"])
    assert [b["sanitized_acc_number"] for b in banks].count(iban.replace(" ", "")) == 1
    entry = w.store.get_quarantine(held.id)
    assert entry.status == "replayed" and entry.decided_by == APPROVER
    trail = w.store.trail(held.record_ref)
    received = [r for r in trail if r.step == "approval-received"]
    added = [r for r in trail if r.step == "bank-account-added"]
    assert [r.actor for r in received] == [APPROVER]
    assert [r.actor for r in added] == [APPROVER] and added[0].flow_run_id is not None

    # the same decision again, as another event (a second approver's click, the CLI): a second run, nothing applied
    w.sandbox.api_key = BLOCK_KEY
    status, answer = post_approval(w, held.record_ref, "evt-acc-2")
    assert status == 202 and answer["emitted"] is True, answer
    runs = runs_of(deployment_id, expect=2, timeout=150)
    assert len(runs) == 2 and all(r.state.is_completed() for r in runs), [r.state for r in runs]
    w.sandbox.api_key = "sandbox-key"
    banks = w.odoo.search_read("res.partner.bank", [], ["sanitized_acc_number"])
    assert [b["sanitized_acc_number"] for b in banks].count(iban.replace(" ", "")) == 1
    trail = w.store.trail(held.record_ref)
    assert [r.actor for r in trail if r.step == "bank-account-added"] == [APPROVER]
    assert [r.actor for r in trail if r.step == "approval-received"] == [APPROVER, APPROVER]

    # the secret came from the block, and nothing Prefect keeps holds it
    with get_client(sync_client=True) as client:
        record = client.read_deployment(deployment_id)
        logs = client.read_logs(limit=200)
    assert BLOCK_KEY not in record.model_dump_json()
    assert not [log.message for log in logs if BLOCK_KEY in log.message]
    print(f"webhook -> first run final: {took:.1f} s")
