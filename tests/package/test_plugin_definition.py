"""plugin.yml, the Meltano Hub definition, is what scripts/plugin_definition.py makes of the
tap's own --about; meltano.yml declares the same settings; a fresh Meltano project installs the
built wheel with that definition and syncs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from smartlead_emulator.testing import EmulatorProcess
from tests.integration.tap_runner import PRIMARY_KEYS
from tests.package.conftest import REPO_ROOT, isolated_env

PLUGIN_YML = REPO_ROOT / "plugin.yml"
SCRIPT = REPO_ROOT / "scripts" / "plugin_definition.py"


def definition() -> dict:
    return yaml.safe_load(PLUGIN_YML.read_text())


def about() -> dict:
    tap = Path(sys.executable).parent / "tap-smartlead"
    result = subprocess.run([str(tap), "--about", "--format=json"], capture_output=True,
                            text=True, check=True)
    return json.loads(result.stdout)


def test_plugin_yml_is_what_the_script_makes_of_about():
    result = subprocess.run([sys.executable, str(SCRIPT), "--check"], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, (
        result.stdout + result.stderr + "\nrun: python scripts/plugin_definition.py"
    )


def test_definition_has_the_hub_fields_and_every_setting_of_about():
    plugin, info = definition(), about()
    assert plugin["name"] == "tap-smartlead"
    assert plugin["namespace"] == "tap_smartlead"
    assert plugin["variant"]
    assert plugin["pip_url"] == "tap-smartlead"
    assert plugin["capabilities"] == sorted(info["capabilities"])
    assert plugin["settings_group_validation"] == [["api_key"]]
    settings = {s["name"]: s for s in plugin["settings"]}
    assert list(settings) == list(info["settings"]["properties"])
    for name, schema in info["settings"]["properties"].items():
        assert settings[name]["kind"], name
        assert settings[name].get("description") == " ".join(
            schema.get("description", "").split()) or not schema.get("description"), name
    assert settings["api_key"] == {**settings["api_key"], "kind": "password", "sensitive": True}
    assert not any(s.get("sensitive") for n, s in settings.items() if n != "api_key")
    kinds = {n: settings[n]["kind"] for n in ("campaign_ids", "client_id", "max_concurrency",
                                               "request_timeout_seconds", "flattening_enabled")}
    assert kinds == {"campaign_ids": "array", "client_id": "integer", "max_concurrency": "integer",
                     "request_timeout_seconds": "integer", "flattening_enabled": "boolean"}
    assert settings["base_url"]["value"] == "https://server.smartlead.ai/api/v1"


def test_meltano_yml_declares_every_setting_of_the_tap_and_no_other():
    project = yaml.safe_load((REPO_ROOT / "meltano.yml").read_text())
    [tap] = [p for p in project["plugins"]["extractors"] if p["name"] == "tap-smartlead"]
    declared = {s["name"] for s in tap["settings"]}
    # A fresh process: the SDK adds its own settings to the class's schema once a tap exists.
    own = set(json.loads(subprocess.run(
        [sys.executable, "-c", "import json; from tap_smartlead.tap import TapSmartlead; "
         "print(json.dumps(list(TapSmartlead.config_jsonschema['properties'])))"],
        capture_output=True, text=True, check=True, cwd=REPO_ROOT,
    ).stdout))
    assert "api_key" in own and "stream_maps" not in own
    assert declared == own
    sensitive = {s["name"] for s in tap["settings"] if s.get("sensitive")}
    assert sensitive == {"api_key"}


@pytest.mark.meltano
@pytest.mark.integration
def test_fresh_meltano_project_installs_the_wheel_with_the_definition_and_syncs(
    dist, tmp_path
):
    meltano = str(Path(sys.executable).parent / "meltano")
    env = {**isolated_env(), "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
           "MELTANO_DISABLE_TRACKING": "true", "MELTANO_VENV_BACKEND": "uv"}

    def run(*args: str, cwd: Path, extra: dict[str, str] | None = None, timeout: float = 600):
        result = subprocess.run([meltano, *args], cwd=cwd, env={**env, **(extra or {})},
                                capture_output=True, text=True, timeout=timeout)
        assert result.returncode == 0, f"meltano {args}:\n{result.stdout}\n{result.stderr}"
        return result

    run("init", "project", "--no-usage-stats", cwd=tmp_path)
    project = tmp_path / "project"
    # The definition as generated; only pip_url points at the built wheel instead of PyPI.
    text = PLUGIN_YML.read_text()
    assert text.count("\npip_url: tap-smartlead\n") == 1
    ref = tmp_path / "tap-smartlead.yml"
    ref.write_text(text.replace("\npip_url: tap-smartlead\n", f"\npip_url: '{dist.wheel}'\n"))
    run("add", "--plugin-type", "extractor", "tap-smartlead", "--from-ref", str(ref),
        cwd=project)
    added = yaml.safe_load((project / "meltano.yml").read_text())
    [tap] = added["plugins"]["extractors"]
    assert tap["name"] == "tap-smartlead" and tap["namespace"] == "tap_smartlead"
    assert {s["name"] for s in tap["settings"]} == {s["name"] for s in definition()["settings"]}

    # An agency's second Smartlead account: an extractor that inherits the definition (and the
    # venv) with its own settings, under its own environment prefix (docs/meltano.md).
    run("add", "--plugin-type", "extractor", "tap-smartlead--acme", "--inherit-from",
        "tap-smartlead", cwd=project)
    with EmulatorProcess(seed=13, campaigns=2, leads_per_campaign=5, mailboxes=2,
                         rate_limit="none") as emu, \
         EmulatorProcess(seed=14, campaigns=1, leads_per_campaign=3, mailboxes=1,
                         rate_limit="none", api_key="acme-key-5c1d") as acme:
        result = run("invoke", "tap-smartlead", cwd=project, extra={
            "TAP_SMARTLEAD_API_KEY": emu.api_key,
            "TAP_SMARTLEAD_BASE_URL": emu.base_url,
            "TAP_SMARTLEAD_RATE_LIMIT_REQUESTS": "1000",
            "TAP_SMARTLEAD_PROGRESS_INTERVAL_SECONDS": "0",
        })
        acme_result = run("invoke", "tap-smartlead--acme", cwd=project, extra={
            "TAP_SMARTLEAD__ACME_API_KEY": acme.api_key,
            "TAP_SMARTLEAD__ACME_BASE_URL": acme.base_url,
            "TAP_SMARTLEAD__ACME_RATE_LIMIT_REQUESTS": "1000",
        })
        campaigns = {c["id"] for c in emu.dataset()["campaigns"]}
        acme_campaigns = {c["id"] for c in acme.dataset()["campaigns"]}
    records = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    records = [m for m in records if m.get("type") == "RECORD"]
    assert {m["stream"] for m in records} == set(PRIMARY_KEYS)
    assert emu.api_key not in result.stdout + result.stderr
    acme_records = [json.loads(line) for line in acme_result.stdout.splitlines()
                    if line.startswith("{")]
    assert {m["record"]["id"] for m in acme_records
            if m.get("type") == "RECORD" and m["stream"] == "campaigns"} == acme_campaigns
    assert {m["record"]["id"] for m in records if m["stream"] == "campaigns"} == campaigns
    assert acme.api_key not in acme_result.stdout + acme_result.stderr
    # Meltano's own venv for the plugin, installed from the wheel (no editable checkout).
    venv = project / ".meltano" / "extractors" / "tap-smartlead" / "venv"
    assert (venv / "bin" / "tap-smartlead").exists()
    assert not list(venv.glob("lib/python*/site-packages/*.pth")) or all(
        str(REPO_ROOT) not in pth.read_text()
        for pth in venv.glob("lib/python*/site-packages/*.pth")
    )
