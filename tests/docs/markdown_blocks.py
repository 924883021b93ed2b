"""The fenced code blocks of the user's documentation, with the marker each one carries.

A shell block (info string ``sh``, ``bash``, ``shell``, ``console`` or none) says how it is
proven by an HTML comment on the line before it:

- ``<!-- docs-test: NAME -->``: tests/docs/test_documented_commands.py runs it (or checks it
  against the test that runs the same command), under the runner ``NAME``;
- ``<!-- not run: REASON -->``: it is not meant to run here (a real API key, your own paths).

Other blocks (``yaml``, ``python``, ``text``...) may carry a ``docs-test`` marker too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SHELL_LANGUAGES = frozenset({"", "sh", "bash", "shell", "console"})
_FENCE = re.compile(r"^(```+|~~~+)\s*([\w+-]*)")
_MARKER = re.compile(r"^<!--\s*(docs-test|not run):\s*(.+?)\s*-->\s*$")


@dataclass(frozen=True)
class Block:
    path: Path
    line: int  # of the opening fence, 1-based
    language: str
    text: str
    marker: tuple[str, str] | None  # ("docs-test", NAME) or ("not run", REASON)

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(REPO_ROOT)}:{self.line}"

    @property
    def is_shell(self) -> bool:
        return self.language in SHELL_LANGUAGES

    def commands(self) -> list[str]:
        """The block's command lines: comments, continuations and heredocs joined or left out."""
        joined: list[str] = []
        pending = ""
        for raw in self.text.splitlines():
            line = raw.rstrip()
            if pending:
                line = pending + " " + line.lstrip()
                pending = ""
            if line.endswith("\\"):
                pending = line[:-1].rstrip()
                continue
            code = _strip_comment(line).strip()
            if code:
                joined.append(" ".join(code.split()))
        return joined


def _strip_comment(line: str) -> str:
    """The line without a trailing ``# comment`` outside quotes."""
    quote = ""
    for index, char in enumerate(line):
        if quote:
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or line[index - 1].isspace()):
            return line[:index]
    return line


def documentation_files() -> list[Path]:
    return [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").glob("*.md"))]


def blocks(path: Path) -> list[Block]:
    found: list[Block] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if not opening:
            index += 1
            continue
        fence, language = opening.group(1), opening.group(2)
        end = index + 1
        while end < len(lines) and not lines[end].startswith(fence):
            end += 1
        previous = index - 1
        while previous >= 0 and not lines[previous].strip():
            previous -= 1
        marker_match = _MARKER.match(lines[previous].strip()) if previous >= 0 else None
        marker = (marker_match.group(1), marker_match.group(2)) if marker_match else None
        found.append(Block(path, index + 1, language, "\n".join(lines[index + 1:end]), marker))
        index = end + 1
    return found


def all_blocks() -> list[Block]:
    return [block for path in documentation_files() for block in blocks(path)]
