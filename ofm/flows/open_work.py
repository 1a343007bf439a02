"""Open work: what waits for a person right now, and whose it is.

Every 15 minutes and after each other flow's run, the whole open quarantine is read and published on the run:
a summary (counts per owner team and category, each team's threshold and oldest entry; "no open work" when the
quarantine is empty) and one table per owner team, key `open-work-<team>`, so the Artifacts page keeps the
latest of each team. A row names the entry, the record, its amount and date where it has them, the reason in
full, the age, the Odoo record (`{OFM_ODOO_URL}/odoo/<model>/<id>`) and, for an unmatched bank entry, the
counterparty, the references and the ranked suggestions by Odoo document name. A team over its threshold
(OFM_BACKLOG_THRESHOLDS) is announced as `ofm.quarantine.backlog`. It reads only: two runs at once are harmless.
"""

from __future__ import annotations

from collections import Counter

from prefect import flow
from prefect.utilities.annotations import quote

from ofm.tasks.open_work.publish import announce_backlog, publish_open_work, read_open_work
from ofm.tasks.open_work.rows import age_text
from ofm.tasks.open_work.view import one_line
from ofm.tasks.shared.resources import resources
from ofm.tasks.shared.runinfo import current_run
from ofm.tasks.shared.runstate import finish, stamp


def _run_name() -> str:
    return f"open-work-{stamp()}"


@flow(name="open-work", flow_run_name=_run_name, log_prints=False)
def open_work(actor: str = "ofm") -> dict:
    """Publish the open quarantine per owner team and announce the teams over their backlog threshold.
    `actor`: who asked (a schedule, a trigger, a person)."""
    run = current_run("open-work", actor)
    thresholds = dict(resources().settings.backlog_thresholds)
    work = read_open_work()
    markdown = publish_open_work(quote(work), thresholds)
    over = announce_backlog(quote(work), thresholds, run)
    teams = {b.team: {"open": b.open, "threshold": b.threshold, "oldest": age_text(b.oldest_hours),
                      "oldest_hours": b.oldest_hours, "over": b.over,
                      "categories": dict(sorted(Counter(r.category for r in rows).items()))}
             for b, rows in zip(work.backlogs(thresholds), work.by_team().values(), strict=True)}
    result = {"run_id": run.run_id, "flow_run_id": run.flow_run_id, "open": len(work.rows), "teams": teams,
              "backlog_events": [b.team for b in over], "line": one_line(work), "summary": markdown,
              "notes": list(work.notes)}
    warnings = [f"{b.team}: {b.open} open entries, over its threshold of {b.threshold} (oldest "
                f"{age_text(b.oldest_hours)}): {b.team} was alerted" for b in over] + list(work.notes)
    return finish(run, result, 0, counts={"open": len(work.rows), "teams": len(teams), "over threshold": len(over)},
                  warnings=warnings)
