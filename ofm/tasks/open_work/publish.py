"""Tasks of the open-work flow: read the open quarantine, publish it per owner team, announce the backlogs.

Publishing: one markdown summary (key `open-work`) and one table per owner team (key `open-work-<team>`), on
the flow run. A team whose work is done gets a last table saying "no open work", so the latest table of its
key never shows entries that were closed since. A team over its threshold (OFM_BACKLOG_THRESHOLDS) gets the
event `ofm.quarantine.backlog` on every run while it stays over. Nothing is written to Odoo or the store.
"""

from __future__ import annotations

from collections.abc import Mapping

from prefect import task
from prefect.cache_policies import NO_CACHE

from ofm.tasks.open_work.rows import COLUMNS, NO_OPEN_WORK
from ofm.tasks.open_work.view import KEY_PREFIX, Backlog, OpenWork, collect, summary_markdown, team_key
from ofm.tasks.shared.artifacts import publish_markdown, publish_table
from ofm.tasks.shared.resources import resources
from ofm.tasks.shared.runinfo import RunInfo

BACKLOG_EVENT = "ofm.quarantine.backlog"


@task(name="read-open-work", cache_policy=NO_CACHE)
def read_open_work() -> OpenWork:
    """The whole open quarantine as rows (store; Odoo only for names and links an entry did not store)."""
    res = resources()
    return collect(res.store, res.odoo, res.settings.odoo_url)


def _published_teams() -> set[str]:
    """The keys of the team tables earlier runs published (the latest artifact of each key)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactCollectionFilter, ArtifactCollectionFilterKey

    with get_client(sync_client=True) as client:
        found = client.read_latest_artifacts(artifact_filter=ArtifactCollectionFilter(
            key=ArtifactCollectionFilterKey(like_=f"{KEY_PREFIX}-")))
    return {a.key for a in found if a.key and a.key.startswith(f"{KEY_PREFIX}-") and a.type == "table"}


@task(name="publish-open-work", cache_policy=NO_CACHE)
def publish_open_work(work: OpenWork, thresholds: Mapping[str, int]) -> str:
    """The summary, one table per team with open entries, and "no open work" for a team whose table is stale."""
    markdown = summary_markdown(work, thresholds)
    teams = work.by_team()
    publish_markdown(KEY_PREFIX, markdown, f"Open work: {len(work.rows) or 'none'} (counts per team and category)")
    for team, rows in teams.items():
        publish_table(team_key(team), [r.cells() for r in rows], COLUMNS,
                      f"Open work of **{team}**: {len(rows)} open, oldest {rows[0].age}; "
                      "replay or discard with `ofm quarantine`")
    done = {team_key(t) for t in teams}
    for key in sorted(_published_teams() - done):
        publish_table(key, [{c: (NO_OPEN_WORK if i == 0 else "") for i, c in enumerate(COLUMNS)}], COLUMNS,
                      f"Open work of {key.removeprefix(KEY_PREFIX + '-')}: {NO_OPEN_WORK}")
    return markdown


@task(name="announce-backlog", cache_policy=NO_CACHE)
def announce_backlog(work: OpenWork, thresholds: Mapping[str, int], run: RunInfo) -> list[Backlog]:
    """`ofm.quarantine.backlog` for each team over its threshold; the teams announced."""
    from prefect.events import emit_event

    over = [b for b in work.backlogs(thresholds) if b.over]
    related = [{"prefect.resource.id": f"prefect.flow-run.{run.flow_run_id}", "prefect.resource.role": "flow-run"}] \
        if run.flow_run_id else []
    for b in over:
        emit_event(event=BACKLOG_EVENT, resource={"prefect.resource.id": f"ofm.owner.{b.team}",
                                                  "prefect.resource.name": b.team},
                   related=related, payload={"open": b.open, "threshold": b.threshold, "oldest_hours": b.oldest_hours})
    return over
