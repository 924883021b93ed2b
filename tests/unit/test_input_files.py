"""State and catalog files that are JSON but not Singer: each problem one line naming the file;
real Singer state and catalogs pass untouched."""

from __future__ import annotations

import pytest

from tap_smartlead.input_files import catalog_problems, state_problems

REAL_STATE = {
    "bookmarks": {
        "campaigns": {},
        "campaign_leads": {
            "partitions": [
                {"context": {"campaign_id": 1000},
                 "replication_key": "created_at",
                 "replication_key_value": "2026-08-01T16:12:36.128414+00:00"},
                {"context": {"campaign_id": 1001}, "progress_markers": {"Note": "unsorted"}},
            ]
        },
        "warmup_stats": {"partitions": []},
    },
    "currently_syncing": None,
}


@pytest.mark.parametrize("state", [REAL_STATE, {}, {"bookmarks": {}}, {"currently_syncing": "x"}])
def test_singer_state_passes(state):
    assert state_problems("s.json", state) == []


@pytest.mark.parametrize(
    ("state", "says"),
    [
        ({"bookmarks": "x"}, '"bookmarks" must be an object of streams, got a string'),
        ({"bookmarks": [1]}, "got a list"),
        ({"bookmarks": {"campaign_leads": 3}}, 'bookmarks["campaign_leads"] must be an object'),
        ({"bookmarks": {"c": {"partitions": {}}}}, "must be a list of objects, got an object"),
        ({"bookmarks": {"c": {"partitions": [1]}}}, "list of objects, got a list holding"),
        ({"bookmarks": {"c": {"partitions": [{"context": 5}]}}},
         '["partitions"][0]["context"] must be an object, got a number'),
        ({"singer_state": {"bookmarks": {}}}, "Meltano's wrapper"),
    ],
)
def test_non_singer_state_is_one_line_naming_the_file(state, says):
    [problem] = state_problems("/tmp/s.json", state)
    assert problem.startswith("state file /tmp/s.json")
    assert says in problem
    assert "\n" not in problem


def test_discovered_catalog_passes():
    catalog = {"streams": [{"tap_stream_id": "campaigns", "stream": "campaigns",
                            "schema": {"type": "object"}, "metadata": []}]}
    assert catalog_problems("c.json", catalog, ["campaigns", "clients"]) == []


@pytest.mark.parametrize(
    ("catalog", "says"),
    [
        ({}, '"streams" must be a list of streams, got none'),
        ({"streams": {}}, "got an object"),
        ({"streams": []}, "lists no streams"),
        ({"streams": ["campaigns"]}, "streams[0] must be an object, got a string"),
        ({"streams": [{"stream": "campaigns"}]}, 'streams[0] has no "tap_stream_id"'),
        ({"streams": [{"tap_stream_id": "campaigns", "metadata": {}}]},
         'the "metadata" of stream campaigns must be a list'),
        ({"streams": [{"tap_stream_id": "leads"}]},
         "names streams tap-smartlead does not have: leads"),
    ],
)
def test_non_singer_catalog_is_one_line_naming_the_file(catalog, says):
    [problem] = catalog_problems("/tmp/c.json", catalog, ["campaigns", "clients"])
    assert problem.startswith("catalog file /tmp/c.json")
    assert says in problem
