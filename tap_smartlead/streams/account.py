"""Account-wide lists: lead categories and clients."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from singer_sdk import typing as th
from typing_extensions import override

from tap_smartlead.client import SmartleadStream
from tap_smartlead.http_client import ApiCall
from tap_smartlead.payloads import list_payload
from tap_smartlead.schemas import ID, TEXT, TIMESTAMP, open_object, record_schema


class AccountListStream(SmartleadStream):
    """An account-wide endpoint answered by one list (bare or in the ``ok``/``data`` envelope)."""

    @override
    def partition_records(
        self, context: dict | None, answers: list[tuple[ApiCall, Any]]
    ) -> Iterable[dict[str, Any]]:
        for call, payload in answers:
            yield from list_payload(payload, call.what)


class LeadCategoriesStream(AccountListStream):
    name = "lead_categories"
    path = "/leads/fetch-categories"
    primary_keys = ("id",)
    schema = record_schema(
        th.Property("id", ID, required=True),
        th.Property("created_at", TIMESTAMP),
        th.Property("name", TEXT),
        th.Property("sentiment_type", TEXT, description="positive, negative or null."),
    )


class ClientsStream(AccountListStream):
    """Clients. The live API spells ``client_permision: {permission, retricted_category}``
    (sic, both); the seed's ``client_permission`` is read into that name."""

    name = "clients"
    path = "/client/"
    primary_keys = ("id",)
    field_aliases = {"client_permission": "client_permision"}
    schema = record_schema(
        th.Property("id", ID, required=True),
        th.Property("name", TEXT),
        th.Property("email", TEXT),
        th.Property("uuid", TEXT),
        th.Property("created_at", TIMESTAMP),
        th.Property("user_id", ID),
        th.Property("logo", TEXT),
        th.Property("logo_url", TEXT),
        th.Property(
            "client_permision",
            open_object(
                th.Property("permission", th.ArrayType(TEXT)),
                th.Property("retricted_category", th.ArrayType(TEXT)),
                th.Property("restricted_category", th.ArrayType(TEXT), description="Seed form."),
            ),
        ),
    )
