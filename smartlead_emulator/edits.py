"""Changes a user makes by hand, which send no email and leave no event: the control API's
``POST /_emulator/edit`` (``EmulatorProcess.edit``).

Each edit changes what the public routes serve from then on, and stamps the object's
``updated_at`` where it has one, but moves no lead's ``last_event_time``: the leads
listing's ``event_time_gt`` does not list an edited lead, and the account's analytics do not
move (no send, open, reply or bounce). That is what a tap must pick up without an event.

Kinds (the body's ``kind``):

- ``lead``: ``campaign_id``, ``lead_id`` and any of ``category_id`` (a lead category's id or
  null), ``status`` (e.g. ``PAUSED``: the campaign lead's status as the routes serve it) and
  ``custom_fields`` (an object merged into the lead's: the lead is edited in every campaign);
- ``sequence``: ``campaign_id``, ``seq_number``, ``subject`` and/or ``email_body`` (the step's
  copy, every variant of it);
- ``webhook``: ``campaign_id``, ``webhook_id``, ``webhook_url`` and/or ``name``;
- ``mailbox``: ``email_account_id``, ``message_per_day`` and/or ``signature``.
"""

from __future__ import annotations

from typing import Any

from .dataset import Dataset
from .models import Campaign
from .names import CATEGORIES, CUSTOM_CATEGORIES

# Every lead category's id: the defaults and the account's own (live shapes list both).
CATEGORY_IDS = frozenset(row[0] for row in (*CATEGORIES, *CUSTOM_CATEGORIES))


class EditError(ValueError):
    """An edit the emulator cannot make (unknown object, bad value): a 400 with its text."""


def apply_edit(ds: Dataset, edit: dict[str, Any]) -> dict[str, Any]:
    """Make one hand edit (see the module docstring); returns what was edited."""
    kind = edit.get("kind")
    editors = {"lead": _edit_lead, "sequence": _edit_sequence, "webhook": _edit_webhook,
               "mailbox": _edit_mailbox}
    if kind not in editors:
        raise EditError(f"kind must be one of {', '.join(editors)}")
    with ds.lock:
        return editors[kind](ds, edit)


def _campaign(ds: Dataset, edit: dict[str, Any]) -> Campaign:
    campaign = ds.campaign(_int(edit, "campaign_id"))
    if campaign is None or campaign.deleted:
        raise EditError(f"no campaign {edit.get('campaign_id')}")
    return campaign


def _int(edit: dict[str, Any], key: str) -> int:
    try:
        return int(edit[key])
    except (KeyError, TypeError, ValueError):
        raise EditError(f"{key} must be an integer") from None


def _edit_lead(ds: Dataset, edit: dict[str, Any]) -> dict[str, Any]:
    campaign = _campaign(ds, edit)
    entry = campaign.leads_by_lead_id.get(_int(edit, "lead_id"))
    if entry is None:
        raise EditError(f"no lead {edit.get('lead_id')} in campaign {campaign.id}")
    if "category_id" in edit:
        category = edit["category_id"]
        if category is not None and int(category) not in CATEGORY_IDS:
            raise EditError(f"no lead category {category}")
        entry.category_id = None if category is None else int(category)
    if "status" in edit:
        entry.status_set = None if edit["status"] is None else str(edit["status"])
    if "custom_fields" in edit:
        if not isinstance(edit["custom_fields"], dict):
            raise EditError("custom_fields must be an object")
        entry.lead.custom_fields = {**entry.lead.custom_fields, **edit["custom_fields"]}
    return {"campaign_id": campaign.id, "lead_id": entry.lead.id,
            "campaign_lead_map_id": entry.id, "status": entry.status,
            "category_id": entry.category_id, "custom_fields": dict(entry.lead.custom_fields)}


def _edit_sequence(ds: Dataset, edit: dict[str, Any]) -> dict[str, Any]:
    campaign = _campaign(ds, edit)
    number = _int(edit, "seq_number")
    step = next((s for s in campaign.sequences if s.seq_number == number), None)
    if step is None:
        raise EditError(f"no step {number} in campaign {campaign.id}")
    for key in ("subject", "email_body"):
        if key in edit:
            setattr(step, key, str(edit[key]))
            for variant in step.variants:
                setattr(variant, key, str(edit[key]))
                variant.updated_at = ds.now
    step.updated_at = ds.now
    return {"campaign_id": campaign.id, "id": step.id, "subject": step.subject,
            "email_body": step.email_body}


def _edit_webhook(ds: Dataset, edit: dict[str, Any]) -> dict[str, Any]:
    campaign = _campaign(ds, edit)
    webhook_id = _int(edit, "webhook_id")
    hook = next((w for w in campaign.webhooks if w.id == webhook_id), None)
    if hook is None:
        raise EditError(f"no webhook {webhook_id} in campaign {campaign.id}")
    for key in ("webhook_url", "name"):
        if key in edit:
            setattr(hook, key, str(edit[key]))
    hook.updated_at = ds.now
    return {"campaign_id": campaign.id, "id": hook.id, "name": hook.name,
            "webhook_url": hook.webhook_url}


def _edit_mailbox(ds: Dataset, edit: dict[str, Any]) -> dict[str, Any]:
    account_id = _int(edit, "email_account_id")
    account = next((a for a in ds.accounts if a.id == account_id), None)
    if account is None:
        raise EditError(f"no email account {account_id}")
    if "message_per_day" in edit:
        account.message_per_day = _int(edit, "message_per_day")
    if "signature" in edit:
        account.signature = None if edit["signature"] is None else str(edit["signature"])
    account.updated_at = ds.now
    return {"id": account.id, "message_per_day": account.message_per_day,
            "signature": account.signature}
