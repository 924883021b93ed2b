"""Nothing that exists is deleted (issue 23): real target-postgres, as Meltano installs and
configures it, fed the tap's output (``MeltanoProject.pipe``: what `meltano run` does).

- A full run, then runs narrowed by two `client_id`s and by `campaign_ids` into the same
  schema (soft delete and hard delete): every row of every campaign still there and live.
- Three runs with 10% transient `200 {}` on child answers: after every run every listed
  campaign's rows are present and live.
- A campaign deleted in Smartlead, and a webhook, a sequence step and a campaign mailbox taken
  off a live campaign, leave staging and the marts, under a plain extractor and a per-client
  one (tombstones: records with `_sdc_deleted_at`).

Expected keys come from the emulator's ground truth (`/_emulator/dataset`).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from smartlead_emulator.testing import EmulatorProcess
from tests.conftest import MeltanoProject, PostgresServer
from tests.dbt.conftest import postgres_project
from tests.warehouse.helpers import meltano_tap_env, normalize, start_date_days_ago, tap_config

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.meltano]

# The full-table tables of a campaign's own settings: what a version swap used to remove.
TABLES = ("campaigns", "campaign_sequences", "campaign_webhooks", "campaign_email_accounts",
          "campaign_analytics")
# Only these streams are selected: the lead streams are not what these tests are about.
SELECT = json.dumps([f"{table}.*" for table in TABLES])
KEY_COLUMNS = {"campaigns": ("id",), "campaign_analytics": ("campaign_id",)}

Keys = dict[str, set[tuple[str, ...]]]


def truth(dataset: dict[str, Any]) -> Keys:
    """Each table's keys as the emulator's account holds them now."""
    keys: Keys = defaultdict(set)
    for campaign in dataset["campaigns"]:
        cid = normalize(campaign["id"])
        keys["campaigns"].add((cid,))
        keys["campaign_analytics"].add((cid,))
        for table, listed in (("campaign_sequences", "sequences"),
                              ("campaign_webhooks", "webhooks"),
                              ("campaign_email_accounts", "email_accounts")):
            keys[table] |= {(cid, normalize(row["id"])) for row in campaign[listed]}
    return keys


def warehouse(postgres: PostgresServer, schema: str) -> tuple[Keys, Keys]:
    """(live keys, keys marked _sdc_deleted_at) per table of ``schema``."""
    live: Keys = defaultdict(set)
    gone: Keys = defaultdict(set)
    with postgres.connect() as conn:
        for table in TABLES:
            columns = KEY_COLUMNS.get(table, ("campaign_id", "id"))
            rows = conn.execute(
                f'SELECT {", ".join(columns)}, "_sdc_deleted_at" IS NOT NULL '
                f'FROM "{schema}"."{table}"').fetchall()
            for *key, deleted in rows:
                (gone if deleted else live)[table].add(tuple(normalize(v) for v in key))
    return live, gone


def load(project: MeltanoProject, postgres: PostgresServer, emu: EmulatorProcess,
         schema: str | tuple[str, ...], state: str, *, hard: bool | tuple[bool, ...] = False,
         **settings: Any) -> None:
    """One run of tap-smartlead into target-postgres' ``schema`` (or the same tap output into
    each of several, ``hard`` each): ``MeltanoProject.pipe``, what `meltano run tap-smartlead
    target-postgres` does with state id ``state``, the tap run once for every schema."""
    schemas = (schema,) if isinstance(schema, str) else schema
    hards = (hard,) * len(schemas) if isinstance(hard, bool) else hard
    tap_env = {
        **meltano_tap_env({**tap_config(emu, start_date_days_ago(30)), **settings}),
        "TAP_SMARTLEAD__SELECT": SELECT,
    }
    loaders = {
        name: ("target-postgres", {**postgres.target_env(name),
                                   **({"TARGET_POSTGRES_HARD_DELETE": "true"} if hard else {})})
        for name, hard in zip(schemas, hards, strict=True)
    }
    project.pipe(tap_env, loaders, state_id=state)


def clients_with_campaigns(dataset: dict[str, Any]) -> dict[int, list[int]]:
    found: dict[int, list[int]] = defaultdict(list)
    for campaign in dataset["campaigns"]:
        if campaign.get("client_id") is not None:
            found[int(campaign["client_id"])].append(int(campaign["id"]))
    return found


# --- narrowed runs ---------------------------------------------------------------------------

@dataclass
class Narrowed:
    expected: Keys
    after: dict[str, Keys] = field(default_factory=dict)  # "<schema> <run>" -> live keys
    deleted: dict[str, Keys] = field(default_factory=dict)


@pytest.fixture(scope="module")
def narrowed(meltano_project: MeltanoProject, postgres: PostgresServer) -> Iterator[Narrowed]:
    with EmulatorProcess(seed=23, campaigns=8, leads_per_campaign=3, mailboxes=6, clients=3,
                         rate_limit="none") as emu:
        dataset = emu.dataset()
        clients = sorted(clients_with_campaigns(dataset).items(), key=lambda c: -len(c[1]))
        assert len(clients) >= 2, "the account needs two clients with campaigns"
        one_campaign = int(dataset["campaigns"][0]["id"])
        result = Narrowed(truth(dataset))
        schemas = {"narrow_soft": False, "narrow_hard": True}
        runs = [("full", {}),
                *((f"client {cid}", {"client_id": cid}) for cid, _ in clients[:2]),
                (f"campaign_ids [{one_campaign}]", {"campaign_ids": [one_campaign]})]
        for name, settings in runs:
            # A per-client extractor or a backfill keeps its own state (its own state id); the
            # same tap output goes into the soft-delete and the hard-delete schema.
            state = f"narrow-{name.replace(' ', '-').strip('[]')}"
            load(meltano_project, postgres, emu, tuple(schemas), state,
                 hard=tuple(schemas.values()), **settings)
            for schema in schemas:
                live, gone = warehouse(postgres, schema)
                result.after[f"{schema} {name}"] = live
                result.deleted[f"{schema} {name}"] = gone
        yield result


def test_narrowed_runs_leave_every_row_of_the_account_live(narrowed: Narrowed):
    lines = []
    for run, live in narrowed.after.items():
        lines.append(f"{run:40} " + "  ".join(
            f"{table} {len(live[table] & narrowed.expected[table])}/"
            f"{len(narrowed.expected[table])}" for table in TABLES))
    print("\n".join(lines))
    for run, live in narrowed.after.items():
        for table in TABLES:
            assert live[table] == narrowed.expected[table], (run, table)
            assert not narrowed.deleted[run][table], (run, table)


# --- transient `200 {}` ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def transient(meltano_project: MeltanoProject,
              postgres: PostgresServer) -> Iterator[list[tuple[Keys, Keys, Keys]]]:
    """(expected, live, soft-deleted) after each of three runs (full, then two daily)."""
    outcomes = []
    with EmulatorProcess(seed=24, campaigns=8, leads_per_campaign=3, mailboxes=6, clients=2,
                         rate_limit="none", transient_empty_rate=0.1, fault_seed=7) as emu:
        for day in range(3):
            if day:
                emu.advance(1)
            load(meltano_project, postgres, emu, "transient_soft", "transient")
            live, gone = warehouse(postgres, "transient_soft")
            outcomes.append((truth(emu.dataset()), live, gone))
        assert emu.stats()["faults"].get("empty", 0) > 0, "no transient answer was served"
    yield outcomes


def test_transient_empty_answers_never_remove_a_listed_campaigns_rows(transient):
    for day, (expected, live, gone) in enumerate(transient):
        print(f"run {day + 1}: " + "  ".join(
            f"{table} {len(live[table] & expected[table])}/{len(expected[table])}"
            for table in TABLES))
        for table in TABLES:
            assert expected[table] <= live[table], (day, table, expected[table] - live[table])
            assert not (expected[table] & gone[table]), (day, table)


# --- deletions in Smartlead ------------------------------------------------------------------

@dataclass
class Removed:
    campaign: int
    webhook: tuple[str, str]
    step: tuple[str, str]
    mailbox: tuple[str, str]
    staging: dict[str, Keys] = field(default_factory=dict)  # schema -> staging keys
    marts: dict[str, dict[str, set[str]]] = field(default_factory=dict)
    dbt_output: dict[str, str] = field(default_factory=dict)
    dbt_failed: dict[str, list[str]] = field(default_factory=dict)
    tables: dict[str, list[str]] = field(default_factory=dict)


STAGING = {
    "stg_smartlead__campaigns": ("campaign_id",),
    "stg_smartlead__campaign_webhooks": ("campaign_id", "webhook_id"),
    "stg_smartlead__campaign_sequences": ("campaign_id", "sequence_id"),
    "stg_smartlead__campaign_email_accounts": ("campaign_id", "email_account_id"),
}


@pytest.fixture(scope="module")
def removed(meltano_project: MeltanoProject, postgres: PostgresServer,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[Removed]:
    work = Path(tmp_path_factory.mktemp("removed"))
    with EmulatorProcess(seed=25, campaigns=6, leads_per_campaign=3, mailboxes=6, clients=2,
                         rate_limit="none") as emu:
        dataset = emu.dataset()
        client, campaigns = max(clients_with_campaigns(dataset).items(),
                                key=lambda c: len(c[1]))
        by_id = {int(c["id"]): c for c in dataset["campaigns"]}
        # One campaign of the client is deleted; another loses a webhook, a step, a mailbox.
        kept = next(cid for cid in campaigns if by_id[cid]["webhooks"]
                    and len(by_id[cid]["sequences"]) > 1 and by_id[cid]["email_accounts"])
        deleted = next(cid for cid in campaigns if cid != kept)
        step = by_id[kept]["sequences"][-1]["id"]
        result = Removed(
            campaign=deleted,
            webhook=(str(kept), str(by_id[kept]["webhooks"][0]["id"])),
            step=(str(kept), str(step)),
            mailbox=(str(kept), str(by_id[kept]["email_accounts"][0]["id"])),
        )
        # Every run reads each campaign's configuration (refresh_within_days 1): a removal
        # arrives with the run that re-reads its campaign, and here that is the next one
        # (tests/integration/test_hand_edits.py follows the default rotation's bound).
        extractors = {"del_plain": {"refresh_within_days": 1},
                      "del_client": {"client_id": client, "refresh_within_days": 1}}
        for schema, settings in extractors.items():
            load(meltano_project, postgres, emu, schema, schema, **settings)
        emu.delete_campaign(deleted)
        emu.remove_from_campaign(kept, "webhooks", int(result.webhook[1]))
        emu.remove_from_campaign(kept, "sequences", int(result.step[1]))
        emu.remove_from_campaign(kept, "email-accounts", int(result.mailbox[1]))
        for schema, settings in extractors.items():
            load(meltano_project, postgres, emu, schema, schema, **settings)
            # The models only: the dbt tests of this project (cross-checks of statistics and
            # messages) are not what these deletions are about, and a failing one would skip
            # the marts.
            dbt = postgres_project(postgres, schema, f"{schema}_dbt", work / schema).build(
                "--resource-type", "model", "--select", "staging",
                "+smartlead__campaign_performance", "+smartlead__step_variant_performance",
                timeout=600)
            with postgres.connect() as conn:
                result.tables[schema] = sorted(r[0] for r in conn.execute(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
                    [schema]))
            result.dbt_output[schema] = dbt.output
            result.dbt_failed[schema] = [n for n in dbt.failed() if dbt.results[n] != "warn"]
            if not result.dbt_failed[schema]:
                result.staging[schema], result.marts[schema] = read_models(postgres, schema)
    yield result


def read_models(postgres: PostgresServer, schema: str) -> tuple[Keys, dict[str, set[str]]]:
    staging: Keys = {}
    marts: dict[str, set[str]] = {}
    with postgres.connect() as conn:
        for model, columns in STAGING.items():
            rows = conn.execute(f'SELECT {", ".join(columns)} '
                                f'FROM "{schema}_dbt_staging"."{model}"').fetchall()
            staging[model] = {tuple(normalize(v) for v in row) for row in rows}
        marts["campaign_performance"] = {normalize(r[0]) for r in conn.execute(
            f'SELECT campaign_id FROM "{schema}_dbt_marts"."smartlead__campaign_performance"')}
        marts["step_variant_performance"] = {
            f"{normalize(r[0])}/{normalize(r[1])}" for r in conn.execute(
                f'SELECT campaign_id, sequence_id FROM "{schema}_dbt_marts".'
                '"smartlead__step_variant_performance"')}
    return staging, marts


@pytest.mark.parametrize("schema", ["del_plain", "del_client"])
def test_dbt_builds_on_the_tombstoned_tables(removed: Removed, schema: str):
    assert set(removed.tables[schema]) == set(TABLES)  # only the selected streams were loaded
    assert not removed.dbt_failed[schema], removed.dbt_output[schema][-6000:]


@pytest.mark.parametrize("schema", ["del_plain", "del_client"])
def test_a_deleted_campaign_leaves_staging_and_the_marts(removed: Removed, schema: str):
    assert schema in removed.staging, removed.dbt_output.get(schema, "")[-4000:]
    gone = str(removed.campaign)
    assert (gone,) not in removed.staging[schema]["stg_smartlead__campaigns"]
    assert gone not in removed.marts[schema]["campaign_performance"]
    assert removed.marts[schema]["campaign_performance"], "the other campaigns are there"
    for model in STAGING:
        assert not any(key[0] == gone for key in removed.staging[schema][model]), model


@pytest.mark.parametrize("schema", ["del_plain", "del_client"])
def test_a_webhook_step_and_mailbox_taken_off_a_campaign_leave_staging(
        removed: Removed, schema: str):
    staging = removed.staging[schema]
    assert removed.webhook not in staging["stg_smartlead__campaign_webhooks"]
    assert removed.step not in staging["stg_smartlead__campaign_sequences"]
    assert removed.mailbox not in staging["stg_smartlead__campaign_email_accounts"]
    # the campaign's other rows stay
    assert any(key[0] == removed.step[0] for key in staging["stg_smartlead__campaign_sequences"])
    assert "/".join(removed.step) not in removed.marts[schema]["step_variant_performance"]


# --- a reply re-categorised on a day already loaded -----------------------------------------

def category_counts(rows: list[dict[str, Any]]) -> dict[tuple[str, str], int]:
    return {(str(r["date"])[:10], str(r["name"])): int(r["total_response"]) for r in rows
            if int(r["total_response"] or 0)}


@pytest.fixture(scope="module")
def recategorised(meltano_project: MeltanoProject,
                  postgres: PostgresServer) -> Iterator[dict[str, Any]]:
    """reply_category_daily loaded, the leads of one category moved to another, loaded again
    (every day re-read: the look-back covers the start date)."""
    start = start_date_days_ago(20)
    settings = {"start_date": start, "analytics_lookback_days": 30}
    select = json.dumps(["reply_category_daily.*"])
    with EmulatorProcess(seed=26, campaigns=4, leads_per_campaign=30, mailboxes=4,
                         rate_limit="none") as emu:
        tap_env = {**meltano_tap_env({**tap_config(emu, start), **settings}),
                   "TAP_SMARTLEAD__SELECT": select}
        loader = {"recat": ("target-postgres", postgres.target_env("recat"))}

        def api_counts() -> dict[tuple[str, str], int]:
            today = emu.dataset()["now"][:10]
            truth = emu.analytics(start_date=start, end_date=today, timezone="UTC")
            return category_counts(truth["category_days"])

        meltano_project.pipe(tap_env, loader, state_id="recat")
        before = api_counts()
        names = {c["name"]: c["id"] for c in emu.dataset()["categories"]}
        busiest = max({name for _, name in before} & set(names),
                      key=lambda n: sum(v for (_, name), v in before.items() if name == n))
        target = next(cid for name, cid in names.items() if name not in {n for _, n in before})
        emu.recategorise(names[busiest], target)
        after = api_counts()
        meltano_project.pipe(tap_env, loader, state_id="recat")
        with postgres.connect() as conn:
            rows = conn.execute(
                'SELECT "date", name, total_response FROM recat.reply_category_daily '
                'WHERE "_sdc_deleted_at" IS NULL').fetchall()
        loaded = category_counts(
            [{"date": r[0], "name": r[1], "total_response": r[2]} for r in rows])
        yield {"before": before, "after": after, "loaded": loaded, "moved": busiest}


def test_a_recategorised_reply_leaves_its_old_category_on_every_day(recategorised):
    assert recategorised["before"] != recategorised["after"], "nothing moved"
    assert not any(name == recategorised["moved"] for _, name in recategorised["after"])
    print(f"reply_category_daily: {len(recategorised['loaded'])} live rows with replies, "
          f"the API {len(recategorised['after'])}")
    assert recategorised["loaded"] == recategorised["after"]
