"""Edits a user makes in Smartlead that take something off a live campaign: a webhook
deleted, a sequence step removed, a mailbox taken off the campaign. The campaign's endpoints
stop listing it at once; nothing else about the campaign changes (its messages keep the step
and mailbox they were sent with, as sent emails do in Smartlead)."""

from __future__ import annotations

import re
from typing import Any

from .dataset import Dataset

# The child lists a control request can remove from, by their API route's last segment.
KINDS = {"webhooks": "webhooks", "sequences": "sequences", "email-accounts": "mailboxes"}
ROUTE = re.compile(r"^/_emulator/campaigns/(\d+)/(webhooks|sequences|email-accounts)/(\d+)"
                   r"/delete$")


def remove_child(ds: Dataset, campaign_id: int, kind: str, child_id: int) -> dict[str, Any]:
    """Take one webhook, sequence step or mailbox (by id) off a campaign; KeyError if the
    campaign (not deleted) or the child is not there."""
    with ds.lock:
        campaign = ds.campaign(campaign_id)
        if campaign is None or campaign.deleted:
            raise KeyError(campaign_id)
        children = getattr(campaign, KINDS[kind])
        found = next((child for child in children if child.id == child_id), None)
        if found is None:
            raise KeyError(child_id)
        children.remove(found)
        return {"campaign_id": campaign_id, "removed": kind, "id": child_id}


CATEGORY_ROUTE = re.compile(r"^/_emulator/categories/(\d+)/move-to/(\d+)$")


def recategorise(ds: Dataset, old: int, new: int) -> dict[str, Any]:
    """Move every lead (in every campaign) of category ``old`` to ``new``, as a user
    re-categorising replies does: the replies' counts move to the new category on the days
    they were received (`/analytics/lead/category-wise-response`)."""
    with ds.lock:
        moved = 0
        for campaign in ds.campaigns:
            for entry in campaign.leads:
                if entry.category_id == old:
                    entry.category_id = new
                    moved += 1
        return {"moved": moved, "from": old, "to": new}
