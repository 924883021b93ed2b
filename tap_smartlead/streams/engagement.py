"""Per-lead engagement from the campaign's CSV export: one request per campaign."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any

from singer_sdk import typing as th
from typing_extensions import override

from tap_smartlead.activity import REFRESH_KEY
from tap_smartlead.client import SmartleadStream
from tap_smartlead.errors import UnexpectedResponseError
from tap_smartlead.http_client import ApiCall
from tap_smartlead.runtime import describe
from tap_smartlead.schemas import COUNT, ID, JSON_OBJECT, TEXT, TIMESTAMP, record_schema


class LeadEngagementStream(SmartleadStream):
    """``GET /campaigns/{campaign_id}/leads-export``: each lead of a campaign with its open,
    click and reply counts, ``is_interested``, ``category`` and the last sequence step sent.

    The answer is CSV (about 22 MB for 5,000 leads), streamed to a spooled file and parsed row
    by row, so memory does not grow with the campaign. Columns are read by header name (the
    live export and the seed list them in different orders; the live one adds ``category`` and
    ``unsubscribed_client_id_map``); a column this schema does not know lands in
    ``extra_fields``. Empty cells are nulls; ``custom_fields`` and
    ``unsubscribed_client_id_map`` hold JSON and become objects.

    Full table, but an incremental run downloads only the exports of campaigns with activity
    (the rule of tap_smartlead/activity.py): an idle campaign's rows stay as the last export
    wrote them. So, while skipping is on (``skip_idle_campaigns``), this stream sends no
    ACTIVATE_VERSION, which would tell the target to drop every row a run did not send; a
    deleted campaign's rows are dropped by dbt's staging (children of campaigns that are gone).

    Not on the rotation (``refresh_within_days``): what the export carries that an email does
    not move (``status``, ``category``, ``is_interested``, ``custom_fields`` set by hand) is in
    ``campaign_leads``, whose whole listing is read on the rotation (status, lead_category_id,
    the lead's fields; interest is the category's sentiment in the marts). Its counts (opens,
    clicks, replies, last step) move only with email, which makes the campaign active. So an
    idle campaign's export rows keep the hand-set values of the campaign's last activity.
    """

    name = "lead_engagement"
    path = "/campaigns/{campaign_id}/leads-export"
    partition_kind = "campaign"
    primary_keys = ("campaign_id", "campaign_lead_map_id")
    max_in_flight = 2  # each answer is a whole campaign's leads
    tracks_activity = True
    skips_idle_campaigns = True
    schema = record_schema(
        th.Property("campaign_id", ID, required=True),
        th.Property("campaign_lead_map_id", ID, required=True),
        th.Property("id", ID, description="The lead's id (campaign_leads.lead_id)."),
        th.Property("status", TEXT),
        th.Property("category", TEXT, description="The lead category's name."),
        th.Property("is_interested", th.BooleanType),
        th.Property("created_at", TIMESTAMP),
        th.Property("first_name", TEXT),
        th.Property("last_name", TEXT),
        th.Property("email", TEXT),
        th.Property("phone_number", TEXT),
        th.Property("company_name", TEXT),
        th.Property("website", TEXT),
        th.Property("location", TEXT),
        th.Property("custom_fields", JSON_OBJECT),
        th.Property("linkedin_profile", TEXT),
        th.Property("company_url", TEXT),
        th.Property("is_unsubscribed", th.BooleanType),
        th.Property("unsubscribed_client_id_map", JSON_OBJECT),
        th.Property("last_email_sequence_sent", COUNT),
        th.Property("open_count", COUNT),
        th.Property("click_count", COUNT),
        th.Property("reply_count", COUNT),
    )

    @override
    def partition_calls(self, context: dict | None) -> list[ApiCall]:
        assert context is not None
        activity = self.run.activity
        state = self.get_context_state(context)
        state.pop(REFRESH_KEY, None)  # left by versions that read the export on the rotation
        if (
            activity.enabled
            and activity.is_idle(context["campaign_id"], state)
            # A lead added is a new row of the export (tap_smartlead/signals.py).
            and not activity.got_leads(context["campaign_id"], state)
        ):
            # Nothing happened since its export was last read: its rows stay, so this sync
            # sends no ACTIVATE_VERSION.
            self.runtime.note_skipped(self.name, context)
            self._skipped_partitions.add(describe(context))
            return []
        return [self.call(context, download=True)]

    @override
    def partition_records(
        self, context: dict | None, answers: list[tuple[ApiCall, Any]]
    ) -> Iterable[dict[str, Any]]:
        assert context is not None
        for call, answer in answers:
            if not hasattr(answer, "read"):
                raise UnexpectedResponseError(
                    f"Unexpected response shape from {call.what}: expected a CSV file, got JSON."
                )
            with answer:
                for row in csv.DictReader(answer):
                    cells = {
                        key.strip(): (value if value != "" else None)
                        for key, value in row.items()
                        if key is not None
                    }
                    if cells.get("campaign_lead_map_id") is None:
                        continue  # a blank line at the end of the file
                    yield {**cells, "campaign_id": context["campaign_id"]}
