"""`ofm demo` / `make demo`: the whole story against the bundled sandboxes.

Day 1 onboards the procurement platform's suppliers (dirty records included); day 2 brings
changed addresses, two changed bank accounts (held for approval) and a new supplier; treasury
approves one of them (a quarantine replay); then the same feed is read again in full and
nothing is written. A CSV export from a second system is dropped in as a file. Then accounting:
invoices paid by a bank statement, sub-ledger deliveries posted with October locked (each locked-period
policy), and the November close (on the sandbox after a chart set-up step adds the Belgian accounts, taxes
and cost centers the deliveries book on). A second demo finds nothing new and writes nothing. History
stays in a local Prefect server; services keep running so the runs can be browsed (stop them with `make stop`).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import httpx
import typer

from ofm.cli.services import VAR, demo_port, demo_services

DEMO_ENV = {
    "OFM_ENVIRONMENT": "sandbox",
    "OFM_DATABASE_URL": f"sqlite:///{VAR / 'demo.db'}",
    "OFM_ODOO_URL": f"http://127.0.0.1:{demo_port('odoo', 8070)}", "OFM_ODOO_DB": "sandbox",
    "OFM_ODOO_LOGIN": "integration@example.com", "OFM_ODOO_API_KEY": "sandbox-key",
    "OFM_PROCUREMENT_URL": f"http://127.0.0.1:{demo_port('procurement', 8071)}",
    "OFM_PROCUREMENT_TOKEN": "sandbox-token",
    "OFM_ACK_DIR": str(VAR / "acks"),
    # the expense platform's ledger-source API (ofm sandbox ledger)
    "OFM_LEDGER_API_URL": f"http://127.0.0.1:{demo_port('ledger', 8072)}",
}


def say(text: str = "", bold: bool = False) -> None:
    typer.secho(text, bold=bold)


REAL = VAR / "real"  # the story told against the real Odoo keeps its own state here
REAL_PROCUREMENT_PORT = 8073


def _real_services(suppliers: int) -> tuple[list, dict[str, str]]:
    """The real Odoo 19 (built once, cached) and a procurement sandbox telling the story as the Belgian
    buyer ACME-BE; the settings that point the demo at them."""
    from ofm.cli.services import Service
    from ofm.testbed.demo_odoo import real_odoo_service

    odoo, odoo_env = real_odoo_service(fresh=not (REAL / "demo-story.json").exists())
    procurement = Service("procurement-sandbox-real", f"http://127.0.0.1:{REAL_PROCUREMENT_PORT}/health",
                          [sys.executable, "-m", "ofm.cli.main", "sandbox", "procurement", "--port",
                           str(REAL_PROCUREMENT_PORT), "--suppliers", str(suppliers), "--buyer", "BE"], {}, 30.0)
    mappings = Path(__file__).resolve().parents[1] / "mappings"
    env = {**odoo_env, "OFM_DATABASE_URL": f"sqlite:///{REAL / 'demo.db'}", "OFM_ACK_DIR": str(REAL / "acks"),
           "OFM_PROCUREMENT_URL": f"http://127.0.0.1:{REAL_PROCUREMENT_PORT}",
           "OFM_P2P_POLICY": str(mappings / "procurement" / "p2p.real.yaml"),
           "OFM_BANK_MATCHING_POLICY": str(mappings / "bank" / "matching.real.yaml")}
    from ofm.cli.services import ledger_service

    return [odoo, procurement, ledger_service()], env


def stop_services() -> None:
    from ofm.cli.serve import serve_services  # what `ofm serve` started: its worker and webhook intake, first
    from ofm.cli.services import Service

    named = {svc.name: svc for svc in [*serve_services(), *demo_services()]}
    named["odoo-real"] = Service("odoo-real", "", [], {})  # stopped by its recorded pid; no build needed
    named["procurement-sandbox-real"] = Service("procurement-sandbox-real", "", [], {})
    for svc in named.values():
        say(f"{svc.name}: {'stopped' if svc.stop() else 'not running'}")


def _start(suppliers: int, extra: list | None = None) -> str:
    from ofm.cli.prefect_server import PrefectUnavailable, resolve_prefect
    from ofm.settings import SettingsError, load_settings

    try:  # PREFECT_API_URL, or the project's own server; never another one found on the port
        target = resolve_prefect(load_settings().prefect_port)
    except (PrefectUnavailable, SettingsError) as exc:
        typer.secho(f"error: {exc}", err=True, fg=typer.colors.RED)
        raise typer.Exit(1) from None
    say(f"  {target.line()}")
    for svc in extra if extra is not None else demo_services(suppliers=suppliers)[1:]:
        say(f"  {svc.name}: {svc.ensure()}")
    return target.api_url


def run_demo(suppliers: int = 300, odoo: str = "sandbox") -> None:
    """Start what is missing, then run every flow end to end and print what happened.

    The first demo tells the whole story; a later one finds nothing new, writes nothing and
    says so (a restarted procurement sandbox is brought back to the day the story reached).
    `odoo="real"` tells it against a real Odoo 19 built from ../shared/odoo19 (see ofm.testbed).
    """
    global ROOT
    VAR.mkdir(exist_ok=True)
    env, extra = dict(DEMO_ENV), None
    if odoo == "real":
        ROOT = REAL
        REAL.mkdir(parents=True, exist_ok=True)
        say("Building (once, ~2 min) or finding the real Odoo 19", bold=True)
        extra, real_env = _real_services(suppliers)
        env.update(real_env)
    env["OFM_CLOSE_DIR"] = str(ROOT / "close")
    if odoo != "real":  # the bundled ledger mappings route ACME-BE to the real demo's "My Company"
        env["OFM_LEDGER_MAPPING_DIR"] = str(sandbox_ledger_mappings(VAR / "ledger-mappings", SANDBOX_COMPANY))
    say("Starting services (first start of the Prefect server takes ~15 s)", bold=True)
    api = _start(suppliers, extra)
    os.environ.update({"PREFECT_API_URL": api, "DO_NOT_TRACK": "1", "PREFECT_LOGGING_LEVEL": "WARNING",
                       "PREFECT_SERVER_ANALYTICS_ENABLED": "false", **env})
    from ofm.cli.printing import print_supplier_result
    from ofm.flows.supplier_onboarding import supplier_onboarding
    from ofm.settings import Settings
    from ofm.tasks.shared.resources import build_resources, use_resources

    settings = Settings(_env_file=None)
    _deploy(api, settings)
    admin = httpx.Client(base_url=settings.procurement_url, timeout=10, headers={
        "Authorization": f"Bearer {settings.procurement_token.get_secret_value()}"})
    story = ROOT / "demo-story.json"
    with use_resources(build_resources(settings)) as res:
        def run(title: str, **params) -> dict:
            say()
            say(title, bold=True)
            result = supplier_onboarding(actor=params.pop("actor", "demo"), **params)
            result["ui_url"] = f"{api.removesuffix('/api')}/runs/flow-run/{result['flow_run_id']}"
            print_supplier_result(result, as_json=False)
            return result

        def bank(title: str, path: Path) -> dict:
            from ofm.cli.printing import print_bank_result
            from ofm.flows.bank_reconciliation import bank_reconciliation

            say()
            say(title, bold=True)
            before = res.odoo.stats.writes
            result = bank_reconciliation(file=str(path), actor="demo")
            result["odoo_writes"] = res.odoo.stats.writes - before
            result["ui_url"] = f"{api.removesuffix('/api')}/runs/flow-run/{result['flow_run_id']}"
            print_bank_result(result, as_json=False)
            say(f"Odoo write calls: {result['odoo_writes']}" + (" - nothing to write" if not result["odoo_writes"]
                                                                 else ""))
            return result

        def p2p(title: str, name: str, **params) -> dict:
            from ofm.cli.runner import flow_named

            say()
            say(title, bold=True)
            result = flow_named(name)(actor="demo", **params)
            result["ui_url"] = f"{api.removesuffix('/api')}/runs/flow-run/{result['flow_run_id']}"
            _print_p2p(name, result)
            return result

        def ledger(title: str, name: str, **params) -> dict:
            from ofm.cli.runner import flow_named

            say()
            say(title, bold=True)
            before = res.odoo.stats.writes
            result = flow_named(name)(actor="demo", **params)
            result["odoo_writes"] = res.odoo.stats.writes - before
            _print_ledger(name, result)
            if name != "ledger-batch":  # ledger-batch's own summary says it
                say(f"Odoo write calls: {result['odoo_writes']}" + (" - nothing to write"
                                                                     if not result["odoo_writes"] else ""))
            say(f"Prefect run: {api.removesuffix('/api')}/runs/flow-run/{result['flow_run_id']}")
            return result

        if not story.exists():
            _first_story(run, admin, res.store, p2p, res.odoo)
            _bank_story(bank, res.odoo)
            admin = res.odoo if ROOT == REAL else _sandbox_admin(settings)
            if ROOT != REAL:
                made = sandbox_chart(admin, res.odoo.search_read("res.company", [["name", "=", SANDBOX_COMPANY]],
                                                                 ["id"])[0]["id"])
                say()
                say("Chart set-up - what the deliveries book on and the sandbox's generic chart lacks, created as a "
                    f"controller would: {', '.join(f'{n} {k}' for k, n in made.items())}", bold=True)
            _ledger_story(ledger, res.odoo, admin)
            story.write_text(json.dumps({"day": 2}))
        else:
            _catch_up(admin, json.loads(story.read_text())["day"])
            results = [run("Again - anything new since the last watermark?"),
                       run("Again - the whole feed, read in full", full_refresh=True),
                       run("Again - the same CSV export dropped once more", source=str(_csv_drop()))]
            results += [bank(f"Again - bank statement {p.name} imported once more", p)
                        for p in sorted((ROOT / "bank").glob("*.xml"))]
            results += [p2p(f"Again - {name}, the whole feed read in full", name, full_refresh=True)
                        for name in ("po-sync", "goods-receipt")]
            results += [p2p("Again - three-way-match, anything new?", "three-way-match")]
            if (ROOT / "ubl").is_dir():
                results += [p2p("Again - the UBL folder read once more", "three-way-match",
                                source=str(ROOT / "ubl"))]
            if (ROOT / "ledger").is_dir():
                results += [ledger("Again - the ledger deliveries dropped once more", "ledger-batch",
                                   source=str(ROOT / "ledger")),
                            ledger("Again - the ledger-source API, anything new?", "ledger-batch", source="api"),
                            ledger("Again - the late October deliveries (October still locked)", "ledger-batch",
                                   source=str(ROOT / "ledger-october")),
                            ledger("Again - the November close", "month-end-close", period=PERIOD)]
            writes = sum(r["odoo_writes"] for r in results)
            say()
            say(f"Second demo: {writes} write call(s) reached Odoo"
                + (" - nothing new arrived, nothing was written." if writes == 0 else "."), bold=True)
        open_rows = res.store.list_quarantine(status="open", limit=1000)
        verdict = res.store.verify_audit()
        from ofm.flows.open_work import open_work

        work = open_work(actor="demo")  # the open quarantine per owner team, published in Prefect
    say()
    say("What is left for people", bold=True)
    from sqlalchemy.engine import make_url  # a store URL may carry a password: shown masked, as SQLAlchemy does

    shown = make_url(os.environ["OFM_DATABASE_URL"]).render_as_string(hide_password=True)
    say(f"  {len(open_rows)} open quarantine entries: OFM_DATABASE_URL={shown} "
        ".venv/bin/ofm quarantine list")
    say(f"  {work['line']}, per team in {api.removesuffix('/api')}/artifacts (open-work-<team>)")
    say(f"  audit chain: {'intact' if verdict.ok else 'BROKEN'} ({verdict.rows_checked} rows verified)")
    say(f"  Prefect UI with every run, its tasks and artifacts: {api.removesuffix('/api')}/runs")
    again = "make demo ODOO=real" if ROOT == REAL else "make demo"
    say(f"  Run `{again}` again (nothing is written the second time); stop the services with `make stop`")


def _deploy(api: str, settings) -> None:
    """Every deployment of prefect.yaml on the demo's server, so its Deployments page shows them with their schedules
    and triggers, and the automations; no worker runs the deployments here (`make serve` starts one). No Secret
    blocks either: they would hold the sandbox's keys, and `make serve` creates them from the real settings."""
    from ofm.cli.serve import deploy_everything

    say()
    say("Deployments - every flow of prefect.yaml, with its schedules and triggers (`make serve` runs them)", bold=True)
    deploy_everything(api, settings, say, secrets=False, if_changed=True)


def _first_story(run, admin: httpx.Client, store, p2p, odoo) -> None:
    """Day 1, purchasing on day 1, day 2 (suppliers, then purchasing), an approval, the same feed
    again, and a CSV drop."""
    run("Day 1 - suppliers from the procurement API (dirty records included)")
    from ofm.sandbox.procurement.odoo_seed import seed_catalog

    products, centers = seed_catalog(odoo)
    say()
    say(f"Purchasing master data in Odoo - {products} products and {centers} analytic accounts (cost centers)",
        bold=True)
    _p2p_day(p2p, 1)
    admin.post("/admin/advance").raise_for_status()
    run("Day 2 - procurement changed some suppliers (new bank accounts are held for approval)")
    _p2p_day(p2p, 2)
    folder = _ubl_drop(admin, "INV-000013")
    p2p("Day 2 - the supplier also e-invoiced a bill as UBL (Peppol BIS 3): same supplier and number, caught "
        "as a duplicate", "three-way-match", source=str(folder))
    held = [r for r in store.list_quarantine(category="approval", limit=100) if r.field == "bank_accounts"]
    if held:
        run(f"Treasury approves one held bank account (quarantine #{held[0].id}) - replayed",
            replay=[held[0].id], actor="treasury-demo")
    run("Same feed again, read in full: nothing may be written", full_refresh=True)
    run("File drop - a CSV export from the ERP of a second entity (its own mapping file)",
        source=str(_csv_drop()))


ROOT = VAR  # where the story keeps its files: var/, or var/real/ for the real Odoo
P2P_WORDS = {1: ("approved orders (and some that cannot go through)", "receipts: full, partial, over-receipt",
                 "bills: matched, price, quantity, currency and tax exceptions, no order"),
             2: ("revisions before and after receipt, cancellations, the order that waited for its supplier",
                 "second receipts, the waiting order's receipt", "second bills, duplicates, a credit note")}



def _ubl_drop(admin: httpx.Client, invoice_id: str) -> Path:
    """One invoice of the procurement feed written as the supplier's UBL file (what an e-invoicing network
    delivers), into a drop folder."""
    from ofm.sandbox.procurement.ubl_writer import write_ubl_invoice

    items = admin.get("/api/v1/invoices", params={"limit": 1000}).json()["items"]
    raw = next(i for i in items if i["id"] == invoice_id)
    folder = ROOT / "ubl"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{raw['invoice_number']}.xml").write_bytes(write_ubl_invoice(raw))
    return folder


def _p2p_day(p2p, day: int) -> None:
    """Purchase orders, then receipts, then vendor bills, as the procurement API shows them that day."""
    orders, receipts, bills = P2P_WORDS[day]
    p2p(f"Day {day} - purchase orders from procurement: {orders}", "po-sync")
    p2p(f"Day {day} - goods receipts: {receipts}", "goods-receipt")
    p2p(f"Day {day} - vendor bills, three-way match: {bills}", "three-way-match")


def _print_p2p(name: str, result: dict) -> None:
    if name == "three-way-match":
        from ofm.cli.printing import print_match_result

        print_match_result(result, as_json=False)
        return
    from ofm.cli.printing import print_p2p_result

    print_p2p_result(result, "orders" if name == "po-sync" else "receipts", as_json=False)


def _bank_story(bank, odoo) -> None:
    """Invoices and bills in Odoo, then the bank's statement paying them every way it happens."""
    from ofm.sandbox.bank.documents import day_one, seed_documents

    folder = ROOT / "bank"
    folder.mkdir(parents=True, exist_ok=True)
    _journal_bank_account(odoo)
    docs = seed_documents(odoo)
    say()
    say(f"Accounting - {len(docs['moves'])} customer invoices and vendor bills posted in Odoo", bold=True)
    path, _, _ = day_one(odoo, folder)
    bank("Bank - the camt.053 statement of 3 November (exact, by IBAN, two invoices at once, part "
         "payment, bank fee, ambiguous, unknown)", path)
    bank("Bank - the same statement imported again: nothing twice", path)


PERIOD = "2026-11"
ANALYTIC = ("Administration", "Sales", "Operations")  # the expense platform's cost centers (mappings/ledger)


def _ledger_story(ledger, odoo, admin=None) -> None:
    """November's sub-ledger deliveries posted, then November closed. `admin`: the client that sets the lock
    date (the sandbox's integration user may not write the company; on the real Odoo it is `odoo`)."""
    from datetime import date

    from ofm.sandbox.ledger import write_samples

    admin = admin or odoo
    plans = odoo.search_read("account.analytic.plan", [], ["name"], limit=1)
    have = {r["name"] for r in odoo.search_read("account.analytic.account", [["name", "in", list(ANALYTIC)]], ["name"])}
    if plans and set(ANALYTIC) - have:
        odoo.create("account.analytic.account", [{"name": n, "plan_id": plans[0]["id"]}
                                                 for n in ANALYTIC if n not in have])
    folder = ROOT / "ledger"
    files = write_samples(folder, PERIOD, date(2026, 11, 30))
    _deliver_by_api(files["expenses"], "expenses")  # the expense platform delivers through its API, not a folder
    ledger("Ledger - November: the payroll batch and the web shop's daily sales, dropped as files", "ledger-batch",
           source=str(folder))
    ledger("Ledger - November: the expense platform's reports (one unbalanced, one on an account Odoo does not "
           "have), pulled from its ledger-source API", "ledger-batch", source="api")
    [company] = odoo.search_read("res.company", [["name", "=", _ledger_company()]], ["fiscalyear_lock_date"])
    if not company.get("fiscalyear_lock_date"):
        admin.write("res.company", [company["id"]], {"fiscalyear_lock_date": "2026-10-31"})
    late = ROOT / "ledger-october"
    write_samples(late, "2026-10", date(2026, 10, 15), dirty=False)
    ledger("Ledger - October is locked (lock date 2026-10-31); three late deliveries dated 15 October, one per "
           "policy: payroll waits (defer), expenses go back to accounting (refuse), the web shop's sales post on "
           "1 November with their own date in the ref (next_open_date). Odoo would have moved them silently.",
           "ledger-batch", source=str(late))
    ledger("Month-end close - November: goods received not invoiced accrued, the checklist and its verdict",
           "month-end-close", period=PERIOD)


def _deliver_by_api(path: Path, source: str) -> None:
    """`path` handed to the ledger-source API (ofm sandbox ledger's admin endpoint) and taken out of the folder."""
    from ofm.settings import Settings

    settings = Settings(_env_file=None)
    token = settings.ledger_api_token.get_secret_value() if settings.ledger_api_token else "sandbox-token"
    answer = httpx.post(f"{settings.ledger_api_url}/admin/deliveries", timeout=10,
                        headers={"Authorization": f"Bearer {token}"},
                        json={"source": source, "file_name": path.name, "content": path.read_text(encoding="utf-8")})
    answer.raise_for_status()
    path.unlink()


SANDBOX_COMPANY = "Sandbox Company"  # ofm.sandbox.odoo.seed: the sandbox's one company


def _sandbox_admin(settings):
    """The sandbox's administrator (login admin, password admin, over JSON-RPC): the integration user may not
    create accounts and taxes or set lock dates, as on a real Odoo; a controller does it."""
    from pydantic import SecretStr

    from ofm.connectors.odoo import OdooClient, OdooConfig

    return OdooClient(OdooConfig(url=settings.odoo_url, db=settings.odoo_db, login="admin",
                                 api_key=SecretStr("admin"), protocol="jsonrpc"))


def _ledger_company() -> str:
    """The Odoo company the ledger mappings route the samples' legal entity (ACME-BE) to."""
    from ofm.mappings.ledger import BUNDLED_DIR, load_ledger_mapping
    from ofm.tasks.shared.resources import resources

    folder = resources().settings.ledger_mapping_dir or BUNDLED_DIR
    return load_ledger_mapping(folder / "payroll.yaml").legal_entities["ACME-BE"]


def sandbox_ledger_mappings(folder: Path, company: str) -> Path:
    """The bundled ledger mappings, routing ACME-BE to the sandbox's company (a deployment's own mapping folder,
    OFM_LEDGER_MAPPING_DIR: the bundled ones name the real demo's "My Company")."""
    import yaml

    from ofm.mappings.ledger import BUNDLED_DIR

    folder.mkdir(parents=True, exist_ok=True)
    for path in sorted(BUNDLED_DIR.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        doc["legal_entities"] = {entity: company for entity in doc.get("legal_entities") or {}}
        (folder / path.name).write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return folder


# Belgian chart classes (PCMN) by code prefix, longest first: the account type be_comp gives such an account
# (l10n_be/data/template/account.account-be_comp.csv), and whether it is reconcilable.
BE_TYPES = [("630", "expense_depreciation", False), ("24", "asset_fixed", False), ("40", "asset_receivable", True),
            ("41", "asset_current", False), ("44", "liability_payable", True), ("45", "liability_current", False),
            ("49", "asset_current", False), ("6", "expense", False), ("7", "income", False)]


def _be_type(code: str) -> tuple[str, bool]:
    return next(((kind, rec) for prefix, kind, rec in BE_TYPES if code.startswith(prefix)), ("asset_current", False))


def sandbox_chart(admin, company_id: int) -> dict[str, int]:
    """What the demo's deliveries and the close book on and the sandbox's generic chart lacks, created as a
    controller sets up a chart (searched first, so a second run creates nothing): the accounts of the clean
    sample deliveries, of the close policy and of the recurring schedules, with their be_comp types; the taxes
    the ledger mappings name (sale taxes booking on 451000, purchase ones on 411000, as be_comp's do); the
    analytic accounts the mappings name (cost centers). Returns how many of each were created."""
    import tempfile
    from datetime import date

    from ofm.mappings.close_policy import load_close_policy, load_recurring
    from ofm.mappings.ledger import OdooAnalyticCodes, ledger_mappings, mapping_for, parse_delivery
    from ofm.sandbox.ledger import write_samples

    codes: set[str] = {load_close_policy(None).accruals.account}
    prepaid, schedule = load_recurring(None)
    codes |= {c for p in prepaid for c in (p.expense_account, p.prepaid_account)}
    codes |= {c for r in schedule for c in (r.expense_account, r.accumulated_account)}
    with tempfile.TemporaryDirectory() as tmp:  # the clean deliveries: the dirty ones' unknown account stays unknown
        for path in write_samples(Path(tmp), PERIOD, date(2026, 11, 30), dirty=False).values():
            batch = parse_delivery(mapping_for(path.name), path.read_text(encoding="utf-8"), path.name).batch
            codes |= {line.account_code for e in batch.entries for line in e.lines}
    sales = {name for m in ledger_mappings() if m.source == "sales" for name in m.taxes.values()}
    taxes = {name: ("sale" if name in sales else "purchase") for m in ledger_mappings() for name in m.taxes.values()}
    codes |= {"451000", "411000"} if taxes else set()
    have = {r["code"] for r in admin.search_read("account.account", [["code", "in", sorted(codes)]], ["code"])}
    new_accounts = [{"code": code, "name": f"{code} (demo set-up)", "account_type": _be_type(code)[0],
                     "reconcile": _be_type(code)[1]} for code in sorted(codes - have)]
    if new_accounts:
        admin.create("account.account", new_accounts)
    account = {r["code"]: r["id"] for r in admin.search_read("account.account", [["code", "in", ["451000", "411000"]]],
                                                            ["code"])}
    existing = {(r["name"], r["type_tax_use"]) for r in admin.search_read(
        "account.tax", [["name", "in", sorted(taxes)], ["company_id", "=", company_id]], ["name", "type_tax_use"])}
    new_taxes = []
    group = admin.search_read("account.tax.group", [], ["id"], limit=1)
    [company] = admin.read("res.company", [company_id], ["country_id"])
    for name, use in sorted(taxes.items()):
        if (name, use) in existing:
            continue
        tax_account = account["451000" if use == "sale" else "411000"]
        new_taxes.append({"name": name, "type_tax_use": use, "amount_type": "percent",
                          "amount": float(name.split("%")[0]), "company_id": company_id,
                          "tax_group_id": group[0]["id"], "country_id": company["country_id"][0],
                          **{f"{doc}_repartition_line_ids": [[0, 0, {"repartition_type": "base"}],
                                                            [0, 0, {"repartition_type": "tax",
                                                                    "account_id": tax_account}]]
                             for doc in ("invoice", "refund")}})
    if new_taxes:
        admin.create("account.tax", new_taxes)
    names = sorted({n for m in ledger_mappings() if not isinstance(m.analytic, OdooAnalyticCodes)
                    for n in m.analytic.values()})
    have = {r["name"] for r in admin.search_read("account.analytic.account", [["name", "in", names]], ["name"])}
    plans = admin.search_read("account.analytic.plan", [], ["id"], limit=1)
    new_analytic = [{"name": n, "plan_id": plans[0]["id"]} for n in names if n not in have] if plans else []
    if new_analytic:
        admin.create("account.analytic.account", new_analytic)
    return {"accounts": len(new_accounts), "taxes": len(new_taxes), "analytic accounts": len(new_analytic)}


def _print_ledger(name: str, result: dict) -> None:
    if name == "ledger-batch":
        from ofm.cli.printing import print_ledger_result

        print_ledger_result(result)
        return
    for entity, r in result["entities"].items():
        a = r["accrual"]
        say(f"  {entity}: accrual posted {a['posted'] or 'none'} ({a['order_lines']} order lines received and "
            f"not billed); last period's accrual reversed: {r['reversed_previous']}")
        say(f"  {r['verdict']}")
        say(f"  close binder: {', '.join(r['binder'])}")


def _journal_bank_account(odoo) -> None:
    """The bank journal carries the company's account, as a user sets it up in Odoo (the sandbox has it)."""
    from ofm.sandbox.odoo.accounting_fixtures import COMPANY_IBAN

    [journal] = odoo.search_read("account.journal", [["code", "=", "BNK1"]], ["bank_account_id"])
    if journal["bank_account_id"]:
        return
    [company] = odoo.search_read("res.company", [], ["partner_id"])
    bank = odoo.search_read("res.partner.bank", [["acc_number", "=", COMPANY_IBAN]], ["id"])
    bank_id = bank[0]["id"] if bank else odoo.create("res.partner.bank", [
        {"acc_number": COMPANY_IBAN, "partner_id": company["partner_id"][0]}])[0]
    odoo.write("account.journal", [journal["id"]], {"bank_account_id": bank_id})


def _catch_up(admin: httpx.Client, day: int) -> None:
    """A restarted procurement sandbox starts at day 1: replay its (deterministic) days."""
    while admin.get("/health").json().get("day", day) < day:
        admin.post("/admin/advance").raise_for_status()


def _csv_drop() -> Path:
    """A CSV export of a second system's suppliers (the CSV mapping reads it, no new code)."""
    from ofm.sandbox.procurement import generate_suppliers, to_csv

    path = ROOT / "drop" / "erp-suppliers.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(to_csv(generate_suppliers(25, seed=11, dirty=True, id_prefix="ERP")), encoding="utf-8")
    return path
