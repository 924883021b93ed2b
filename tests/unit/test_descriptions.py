"""Every property of every stream has a description, in the catalog a user selects from."""

from __future__ import annotations

import json
import subprocess
import sys

from tap_smartlead.tap import TapSmartlead


def _catalog() -> dict:
    # The catalog as a user gets it: `tap-smartlead --discover`.
    result = subprocess.run(
        [sys.executable, "-c", "from tap_smartlead.tap import main; main()",
         "--config", "ENV", "--discover"],
        capture_output=True, text=True, timeout=120,
        env={"TAP_SMARTLEAD_API_KEY": "x", "PATH": ""},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


def test_every_property_of_every_stream_is_described() -> None:
    catalog = _catalog()
    total, missing = 0, []
    for entry in catalog["streams"]:
        for name, spec in entry["schema"]["properties"].items():
            total += 1
            if not (spec.get("description") or "").strip():
                missing.append(f"{entry['tap_stream_id']}.{name}")
    described = total - len(missing)
    print(f"{described} of {total} properties described ({100 * described / total:.0f}%)")
    assert total > 300, total  # every stream's properties, not a handful
    assert not missing, f"{len(missing)} of {total} properties have no description: {missing}"


def test_reply_count_says_it_counts_leads() -> None:
    tap = TapSmartlead(config={"api_key": "x"}, validate_config=False)
    analytics = tap.streams["campaign_analytics"].schema["properties"]["reply_count"]
    assert "leads, not reply emails" in analytics["description"]
    # The same name counts emails elsewhere, and says so.
    engagement = tap.streams["lead_engagement"].schema["properties"]["reply_count"]
    assert "Reply emails" in engagement["description"]
