"""Shapes and names the live API uses, handled without a server."""

from __future__ import annotations

from singer_sdk import typing as th

from tap_smartlead.coercion import coerce_object, object_from_text
from tap_smartlead.credentials import is_credential_name, scrub_credentials
from tap_smartlead.payloads import list_payload
from tap_smartlead.redaction import redact
from tap_smartlead.streams.leads import synthetic_key


def test_credential_names_are_found_by_word_but_ids_of_keys_are_not():
    for name in ("password", "imap_password", "oauth_refresh_token", "smtp_api_secret",
                 "apiKey", "client_secret", "accessToken", "credentials"):
        assert is_credential_name(name), name
    for name in ("warmup_key_id", "stats_id", "keyword", "monkey", "open_count", "tokenizer"):
        assert not is_credential_name(name), name


def test_credentials_are_removed_at_any_depth_and_registered_for_redaction():
    row = {
        "id": 1,
        "password": "hunter2-secret",
        "warmup_details": {"smtp_api_secret": "s3cr3t-value", "status": "ACTIVE"},
        "tags": [{"tag_id": 1, "token": "tok-123456"}],
    }
    clean = scrub_credentials(row)
    assert clean == {"id": 1, "warmup_details": {"status": "ACTIVE"}, "tags": [{"tag_id": 1}]}
    assert row["password"] == "hunter2-secret", "the input is not modified"
    assert redact("boom hunter2-secret s3cr3t-value tok-123456") == "boom *** *** ***"


def test_rows_without_credentials_are_not_copied():
    row = {"id": 1, "nested": {"a": [1, 2]}}
    assert scrub_credentials(row) is row


def test_objects_sent_as_text_become_objects():
    assert object_from_text('{"tz": "UTC", "days": [1]}') == {"tz": "UTC", "days": [1]}
    assert object_from_text("{ tz: 'Australia/Sydney', days: [ 1, 2 ] }") == {
        "tz": "Australia/Sydney", "days": [1, 2]
    }
    assert object_from_text("{ tz: 'Australia/Sydney', days: [ 1, 2, enc") == {
        "raw": "{ tz: 'Australia/Sydney', days: [ 1, 2, enc"
    }


def test_nested_objects_keep_unknown_keys_and_csv_booleans_are_booleans():
    schema = th.PropertiesList(
        th.Property("details", th.ObjectType(th.Property("n", th.IntegerType),
                                             additional_properties=True)),
        th.Property("flag", th.BooleanType),
    ).to_dict()
    row = coerce_object({"details": {"n": "3", "new": {"x": 1}}, "flag": "t"}, schema)
    assert row == {"details": {"n": 3, "new": {"x": 1}}, "flag": True}


def test_one_object_where_the_seed_prints_one_is_a_list_of_one():
    assert list_payload({"id": 1}, "x", single_ok=True) == [{"id": 1}]
    assert list_payload([{"id": 1}], "x", single_ok=True) == [{"id": 1}]


def test_synthetic_keys_are_stable_and_never_null():
    # Written out: the same key on every run and every version (a changed key leaves a stale
    # row in an upserting warehouse); the case of an email does not change it.
    fields = ("lead_email", "sequence_number", "sent_time")
    row = {"lead_email": "A@x.io", "sequence_number": 1, "sent_time": "2022-08-02T12:49:11Z"}
    assert synthetic_key(row, *fields) == "synthetic:d9fd575a1e3f03ce75d6d2d85710c3db"
    assert synthetic_key({**row, "lead_email": "a@x.io"}, *fields) == (
        "synthetic:d9fd575a1e3f03ce75d6d2d85710c3db"
    )
    assert synthetic_key({}, "lead_email") == "synthetic:055539df4a0b804c58caf46c0cd2941a"
