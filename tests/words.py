"""What counts as a raw code on a page, for the tests that read pages as a person would."""

from __future__ import annotations

import re

SNAKE = re.compile(r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b")
SENTENCE_WORDS = 8  # a line this long is prose, where the rule can be explained


def codes(text: str) -> list[str]:
    return [code for code in SNAKE.findall(text) if not code.replace("_", "").isdigit()]


def problems(texts: dict[str, str], unsuppressed: bool) -> list[str]:
    found = []
    for title, text in texts.items():
        for line in text.splitlines():
            if title != "Definitions":
                found += [f"{title}: {code!r} in {line.strip()[:80]!r}" for code in codes(line)]
            if "p = <" in line:
                found.append(f"{title}: 'p = <' in {line.strip()[:80]!r}")
            if unsuppressed and "suppressed" in line.lower() and len(line.split()) < SENTENCE_WORDS:
                found.append(f"{title}: 'suppressed' as a value in {line.strip()[:80]!r}")
    return found
