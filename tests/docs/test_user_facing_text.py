"""What a user reads says nothing about how the project was built, and the README stays short.

User-facing text: README.md, docs/*.md, every setting's description (tap_smartlead/tap.py's
``config_jsonschema``, which plugin.yml and docs/settings.md are generated from; meltano.yml's)
and every stream property's description (the catalog).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tap_smartlead.tap import TapSmartlead
from tests.docs.markdown_blocks import REPO_ROOT, documentation_files

# Words from the project's build history: the reference document the project started from
# ("the seed"), issue numbers, and files outside the repository. The emulator's own option
# values (`--shapes seed`, `seed-examples`, `--seed N`) are names a user types, not history.
INTERNAL_WORDING = [
    re.compile(r"\bthe seed\b(?![- ]examples)", re.I),
    re.compile(r"\bseed's\b", re.I),
    re.compile(r"\bseed document", re.I),
    re.compile(r"\b(?:issue|PR)s? #?\d+", re.I),
    re.compile(r"\.\./shared/"),
    re.compile(r"/work/(?:main|shared|h\d+|notes)\b"),
]
README_MAX_BYTES = 17 * 1024


def _findings(where: str, text: str) -> list[str]:
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        for pattern in INTERNAL_WORDING:
            hit = pattern.search(line)
            if hit:
                found.append(f"{where}:{number}: {hit.group(0)!r} in {line.strip()[:120]!r}")
    return found


@pytest.mark.parametrize("path", documentation_files(), ids=lambda p: p.name)
def test_docs_have_no_internal_wording(path: Path) -> None:
    findings = _findings(str(path.relative_to(REPO_ROOT)), path.read_text(encoding="utf-8"))
    assert not findings, "\n".join(findings)


def test_setting_descriptions_have_no_internal_wording() -> None:
    texts = {
        f"config_jsonschema.{name}": spec.get("description", "")
        for name, spec in TapSmartlead.config_jsonschema["properties"].items()
    }
    for file in ("plugin.yml", "meltano.yml"):
        definition = yaml.safe_load((REPO_ROOT / file).read_text(encoding="utf-8"))
        plugins = [definition] if file == "plugin.yml" else definition["plugins"]["extractors"]
        for plugin in plugins:
            for setting in plugin.get("settings", []):
                texts[f"{file}:{plugin['name']}.{setting['name']}"] = setting.get(
                    "description", "")
    findings = [f for where, text in texts.items() for f in _findings(where, text)]
    assert not findings, "\n".join(findings)


def test_property_descriptions_have_no_internal_wording() -> None:
    tap = TapSmartlead(config={"api_key": "x"}, validate_config=False)
    texts = {
        f"{stream.name}.{name}": spec.get("description", "")
        for stream in tap.streams.values()
        for name, spec in stream.schema["properties"].items()
    }
    findings = [f for where, text in texts.items() for f in _findings(where, text)]
    assert not findings, "\n".join(findings)


def test_the_check_finds_what_it_looks_for() -> None:
    # The patterns catch the wording this test exists for, and leave the emulator's options.
    assert _findings("x", "the seed documents 10 per 2 s (issue 17), ../shared/seed/x.txt")
    assert not _findings("x", "`--shapes seed-examples` and `--seed 1`, `--shapes seed`")


def test_readme_reads_in_five_minutes() -> None:
    size = len((REPO_ROOT / "README.md").read_bytes())
    assert size <= README_MAX_BYTES, f"README.md is {size} bytes; move detail to docs/"
