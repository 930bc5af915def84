"""Text helpers of the methods appendix: first sentence and body of a docstring or comment, the
"Reference(s):" paragraph, anchors, hashes and repository-relative paths."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from pathlib import Path

from pipeline.config import PACKAGE_ROOT
from pipeline.warehouse.registry import trim_blank

_REFERENCE_LABEL = re.compile(r"\bReferences?:\s*")
_ABBREVIATIONS = {"e.g", "i.e", "al", "cf", "ed", "eds", "ch", "vol", "no", "vs", "approx", "fig", "etc", "p", "pp"}


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9_]+", "-", text.lower()).strip("-")


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _relative(path: Path, root: Path) -> str:
    path = path.resolve()
    for base in (PACKAGE_ROOT, root):
        try:
            return path.relative_to(base.resolve()).as_posix()
        except ValueError:
            continue
    return path.as_posix()


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def _one_line(parts: Iterable[str]) -> str:
    return " ".join(" ".join(parts).split())


def _sentence_ends(line: str, j: int) -> bool:
    """Whether the '.', '?' or '!' at line[j] ends a sentence (not a decimal point or abbreviation)."""
    after = line[j + 1 :]
    if after and not after[0].isspace():
        return False
    if line[j] == ".":
        word = re.search(r"([A-Za-z.]+)$", line[:j])
        if word and word.group(1).lower().rstrip(".") in _ABBREVIATIONS:
            return False
    rest = after.lstrip()
    return not (rest and rest[0].islower())  # "…, e.g. the ward" continues the sentence


def split_first_sentence(lines: list[str]) -> tuple[str, list[str]]:
    """(first sentence on one line, the remaining lines as written).

    The sentence ends at '.', '?' or '!' outside brackets, at the end of its paragraph (a blank line),
    or before the first line indented more than the first (a formula block), whichever comes first; the
    rest of the line it ends on, if any, starts the body.
    """
    lines = trim_blank([line.rstrip() for line in lines])
    if not lines:
        return "", []
    base, depth = _indent(lines[0]), 0
    for i, line in enumerate(lines):
        if not line.strip() or (i and _indent(line) > base):
            return _one_line(lines[:i]), trim_blank(lines[i:])
        for j, char in enumerate(line):
            if char in "([{":
                depth += 1
            elif char in ")]}":
                depth = max(depth - 1, 0)
            elif char in ".?!" and depth == 0 and _sentence_ends(line, j):
                rest = line[j + 1 :].strip()
                return _one_line([*lines[:i], line[: j + 1]]), trim_blank(([rest] if rest else []) + lines[i + 1 :])
    return _one_line(lines), []


def _without_name(definition: str, name: str) -> str:
    prefix = re.match(rf"\s*{re.escape(name)}\s*:\s*", definition)
    return definition[prefix.end() :] if prefix else definition


def reference_part(text: str) -> str:
    """The paragraph that starts at "Reference:" / "References:", to the next blank line, on one line,
    without that label."""
    found = _REFERENCE_LABEL.search(text)
    if not found:
        return ""
    paragraph = re.split(r"\n\s*\n", text[found.end() :], maxsplit=1)[0]
    return _one_line(paragraph.splitlines())
