"""Write transform/models/staging/_raw_columns.md: one dbt docs block per property of every
stream, the same text the catalog and ``--about`` show (tap_smartlead/descriptions.py).

The staging models' yml reads them with ``{{ doc('smartlead_raw__<stream>__<property>') }}`` where a
column is a raw property as the API sends it, so the dbt docs and the catalog say the same
thing. tests/dbt/test_column_docs.py fails when the file is not what this script writes.

    .venv/bin/python scripts/dbt_column_docs.py           # rewrite the file
    .venv/bin/python scripts/dbt_column_docs.py --check   # exit 1 when it is out of step
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "transform" / "models" / "staging" / "_raw_columns.md"
HEADER = (
    "{#- Written by scripts/dbt_column_docs.py from the tap's property descriptions"
    " (tap_smartlead/descriptions.py): do not edit by hand. -#}\n"
)


def block_name(stream: str, prop: str) -> str:
    return f"smartlead_raw__{stream}__{prop}"


def stream_schemas() -> dict[str, dict]:
    sys.path.insert(0, str(ROOT))
    from tap_smartlead.tap import TapSmartlead

    tap = TapSmartlead(config={"api_key": "unused", "start_date": "2026-01-01T00:00:00Z"},
                       validate_config=False, setup_mapper=False)
    return {name: stream.schema for name, stream in sorted(tap.streams.items())}


def render() -> str:
    parts = [HEADER]
    for stream, schema in stream_schemas().items():
        for prop, spec in sorted(schema.get("properties", {}).items()):
            text = (spec or {}).get("description")
            if not text:
                continue
            text = text.strip()
            if "{" in text or "%" in text:  # jinja would read {{variables}} as its own
                text = f"{{% raw %}}{text}{{% endraw %}}"
            parts.append(f"{{% docs {block_name(stream, prop)} %}}{text}{{% enddocs %}}\n")
    return "".join(parts)


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        if not OUT.exists() or OUT.read_text(encoding="utf-8") != text:
            print(f"{OUT.relative_to(ROOT)} is out of step with tap_smartlead/descriptions.py: "
                  "run .venv/bin/python scripts/dbt_column_docs.py", file=sys.stderr)
            return 1
        return 0
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
