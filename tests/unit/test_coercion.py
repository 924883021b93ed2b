from __future__ import annotations

from singer_sdk import typing as th

from tap_smartlead.coercion import coerce_object

SCHEMA = th.PropertiesList(
    th.Property("sent_count", th.IntegerType),
    th.Property("warmup_reputation", th.NumberType),
    th.Property("phone_number", th.StringType),
    th.Property("track_settings", th.ArrayType(th.StringType)),
    th.Property("sent_time", th.DateTimeType),
    th.Property("date", th.DateType),
    th.Property("is_unsubscribed", th.BooleanType),
    th.Property(
        "warmup_details", th.ObjectType(th.Property("total_sent_count", th.IntegerType))
    ),
    th.Property("custom_fields", th.ObjectType(additional_properties=True)),
).to_dict()


def test_counts_sent_as_strings_become_integers():
    assert coerce_object({"sent_count": "4375"}, SCHEMA) == {"sent_count": 4375}


def test_percentages_become_numbers():
    assert coerce_object({"warmup_reputation": "100%"}, SCHEMA)["warmup_reputation"] == 100
    assert coerce_object({"warmup_reputation": "97.5%"}, SCHEMA)["warmup_reputation"] == 97.5


def test_phone_numbers_of_any_type_become_strings_and_null_stays_null():
    assert coerce_object({"phone_number": 239392029}, SCHEMA)["phone_number"] == "239392029"
    assert coerce_object({"phone_number": None}, SCHEMA)["phone_number"] is None


def test_track_settings_string_becomes_a_list():
    row = coerce_object({"track_settings": "DONT_REPLY_TO_AN_EMAIL"}, SCHEMA)
    assert row["track_settings"] == ["DONT_REPLY_TO_AN_EMAIL"]


def test_timestamps_of_every_form_normalise_to_one_utc_form():
    forms = [
        "2023-03-13T07:44:12.978Z",
        "2023-03-13T07:44:12.978000+00:00",
        "2023-03-13 07:44:12.978Z",
        "2023-03-13T09:44:12.978+02:00",
    ]
    values = {coerce_object({"sent_time": f}, SCHEMA)["sent_time"] for f in forms}
    assert values == {"2023-03-13T07:44:12.978000+00:00"}


def test_canonical_timestamps_sort_as_strings_in_time_order():
    early = coerce_object({"sent_time": "2023-03-13T07:44:12Z"}, SCHEMA)["sent_time"]
    late = coerce_object({"sent_time": "2023-03-13T07:44:12.5Z"}, SCHEMA)["sent_time"]
    assert (early, late) == ("2023-03-13T07:44:12.000000+00:00", "2023-03-13T07:44:12.500000+00:00")
    assert early < late


def test_nested_objects_are_coerced_and_open_objects_keep_their_keys():
    row = coerce_object(
        {"warmup_details": {"total_sent_count": "7"}, "custom_fields": {"Title": "CTO", "x": 1}},
        SCHEMA,
    )
    assert row["warmup_details"] == {"total_sent_count": 7}
    assert row["custom_fields"] == {"Title": "CTO", "x": 1}


def test_unconvertible_values_become_null_not_a_crash():
    row = coerce_object({"sent_count": "lots", "sent_time": "yesterday-ish"}, SCHEMA)
    assert row == {"sent_count": None, "sent_time": None}


def test_unknown_fields_pass_through_for_the_sdk_to_filter():
    assert coerce_object({"brand_new": "x"}, SCHEMA) == {"brand_new": "x"}


def test_booleans_from_strings():
    assert coerce_object({"is_unsubscribed": "true"}, SCHEMA)["is_unsubscribed"] is True
