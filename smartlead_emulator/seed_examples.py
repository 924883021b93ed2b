"""The seed document's example responses, for `--shapes seed-examples`.

`extract(seed_text)` finds each GET endpoint's example in ../shared/seed/smartlead-api-docs.txt
(the code block(s) right after the endpoint's `curl` block) and reads it with a lenient parser,
because the examples are printed for humans, not machines: `//` comments, lines cut off
mid-string, missing or trailing commas, bare `40%` and `0239392029`, `...` placeholders, an
example split over two code blocks. The parser keeps every key and value exactly as printed
(a cut-off string ends where the printed line ends; a bare token that is not a JSON number or
literal is kept as a string) and only drops what cannot be a value (comments, `...`, stray
brackets). The result is shipped as seed_examples.json (tests re-extract and compare).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DATA_FILE = Path(__file__).with_name("seed_examples.json")

_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?")
_LITERALS: dict[str, Any] = {"true": True, "false": False, "null": None}
_PUNCT = "{}[]:,"


@dataclass(frozen=True)
class Spec:
    template: str
    marker: str  # text of the endpoint's `curl` block (first block that contains it)
    blocks: int = 1  # code blocks the example spans
    strip_closers: int = 0  # closing-bracket lines the renderer added before a continuation


SPECS: tuple[Spec, ...] = (
    Spec("/campaigns", "/v1/campaigns?api_key={API_KEY}>"),
    Spec("/campaigns/{id}", "/v1/campaigns/{campaign_id}?api_key={API_KEY}>"),
    Spec("/campaigns/{id}/sequences", "/sequences?api_key=${API_KEY}", blocks=2),
    Spec("/campaigns/{id}/email-accounts", "/{campaign_id}/email-accounts?api_key"),
    Spec("/leads/{lead_id}/campaigns", "/leads/><lead_id>/campaigns"),
    Spec("/email-accounts", "/v1/email-accounts/?api_key="),
    Spec("/email-accounts/{id}", "/email-accounts/><account_id>/", blocks=2),
    Spec("/email-accounts/{id}/warmup-stats", "/warmup-stat"),
    Spec("/campaigns/{id}/leads", "/campaigns/{campaign_id}/leads?api_key={API_KEY}>"),
    Spec("/leads/fetch-categories", "/leads/fetch-categories"),
    Spec("/leads", "/v1/leads/?api_key="),
    Spec("/campaigns/{id}/leads-export", "/leads-export"),
    Spec("/campaigns/{id}/leads/{lead_id}/message-history", "}/messag"),
    Spec("/campaigns/{id}/statistics", "/statistics?api_key", blocks=2, strip_closers=3),
    Spec("/campaigns/{id}/analytics-by-date", "/analytics-by-d"),
    Spec("/campaigns/{id}/analytics", "{campaign_id}/analy", blocks=2, strip_closers=1),
    Spec("/campaigns/{id}/webhooks", "<campaign-id>/webh"),
    Spec("/client", "GET <https://server.smartlead.ai/api/v1/client/?api_key"),
)


def code_blocks(text: str) -> list[tuple[int, int, str]]:
    """(first line, last line, content) of each ``` block, 1-based line numbers."""
    out: list[tuple[int, int, str]] = []
    start: int | None = None
    lines = text.split("\n")
    for number, line in enumerate(lines, 1):
        if line.strip().startswith("```"):
            if start is None:
                start = number
            else:
                out.append((start + 1, number - 1, "\n".join(lines[start:number - 1])))
                start = None
    return out


def _strip_closers(block: str, count: int) -> str:
    lines = block.rstrip().split("\n")
    while count and lines and lines[-1].strip() in ("}", "]", "},", "],"):
        lines.pop()
        count -= 1
    return "\n".join(lines)


def extract(text: str) -> dict[str, dict[str, Any]]:
    blocks = code_blocks(text)
    out: dict[str, dict[str, Any]] = {}
    for spec in SPECS:
        at = next(i for i, (_, _, body) in enumerate(blocks) if spec.marker in body)
        parts = blocks[at + 1: at + 1 + spec.blocks]
        raws = [body for _, _, body in parts]
        if spec.strip_closers:
            raws[0] = _strip_closers(raws[0], spec.strip_closers)
        raw = "\n".join(raws)
        entry: dict[str, Any] = {"lines": [parts[0][0], parts[-1][1]]}
        if spec.template.endswith("leads-export"):
            entry["columns"] = [line.split(" - ")[0].strip()
                                for line in raw.split("\n") if " - " in line]
        else:
            entry["body"] = parse(raw)
        out[spec.template] = entry
    return out


# -- the lenient parser ------------------------------------------------------------------


def tokens(text: str) -> list[tuple[str, Any]]:
    """('p', char) punctuation, ('s', str) string, ('v', value) bare value."""
    out: list[tuple[str, Any]] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif text.startswith("...", i):
            i += 3
        elif ch in _PUNCT:
            out.append(("p", ch))
            i += 1
        elif ch == '"':
            j, chars = i + 1, []
            while j < n and text[j] not in '"\n':
                if text[j] == "\\" and j + 1 < n:
                    chars.append(json.loads(f'"{text[j:j + 2]}"') if text[j + 1] in 'bfnrt"\\/'
                                 else text[j + 1])
                    j += 2
                else:
                    chars.append(text[j])
                    j += 1
            value = "".join(chars)
            if j >= n or text[j] == "\n":  # cut off at the printed line's end
                value = value.rstrip()
            out.append(("s", value))
            i = j + 1 if j < n and text[j] == '"' else j
        else:
            j = i
            while j < n and not text[j].isspace() and text[j] not in _PUNCT:
                j += 1
            word = text[i:j]
            if word in _LITERALS:
                out.append(("v", _LITERALS[word]))
            elif _NUMBER.fullmatch(word):
                out.append(("v", json.loads(word)))
            else:
                out.append(("v", word))  # 40%, 0239392029, <message-id...: kept as printed
            i = j
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.toks = tokens(text)
        self.i = 0

    def peek(self, ahead: int = 0) -> tuple[str, Any] | None:
        k = self.i + ahead
        return self.toks[k] if k < len(self.toks) else None

    def take(self) -> tuple[str, Any]:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def value(self) -> Any:
        kind, val = self.take()
        if (kind, val) == ("p", "{"):
            return self.members()
        if (kind, val) == ("p", "["):
            return self.items()
        return val

    def is_key(self) -> bool:
        tok, nxt = self.peek(), self.peek(1)
        return tok is not None and tok[0] in "sv" and nxt == ("p", ":")

    def members(self, top: bool = False) -> dict[str, Any]:
        obj: dict[str, Any] = {}
        while (tok := self.peek()) is not None:
            if tok == ("p", "}"):
                self.take()
                if not top:
                    return obj
            elif tok == ("p", ","):
                self.take()
            elif self.is_key():
                key = str(self.take()[1])
                self.take()  # ':'
                obj[key] = self.value() if self.peek() is not None else None
            elif tok in (("p", "{"), ("p", "]")) and not top:
                return obj  # the printed example forgot this object's closing brace
            elif tok == ("p", "["):
                self.value()  # a stray list where a key belongs: not part of the object
            else:
                self.take()
        return obj

    def items(self) -> list[Any]:
        arr: list[Any] = []
        while (tok := self.peek()) is not None:
            if tok == ("p", "]"):
                self.take()
                return arr
            if tok in (("p", ","), ("p", "}")):
                self.take()  # separators and stray closing braces
            else:
                arr.append(self.value())
        return arr


def parse(text: str) -> Any:
    parser = _Parser(text)
    if parser.is_key():  # an object printed without its braces (message history)
        return parser.members(top=True)
    return parser.value()


def load() -> dict[str, dict[str, Any]]:
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


def main() -> None:
    """Regenerate seed_examples.json: python -m smartlead_emulator.seed_examples SEED_DOC"""
    import sys

    source = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/seed/smartlead-api-docs.txt")
    examples = extract(source.read_text(encoding="utf-8"))
    DATA_FILE.write_text(json.dumps(examples, ensure_ascii=False, indent=1) + "\n",
                         encoding="utf-8")
    print(f"wrote {len(examples)} examples to {DATA_FILE}")


if __name__ == "__main__":
    main()
