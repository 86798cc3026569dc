"""split_reply against the reply-parser samples of two other projects, when that folder
sits next to the repository (it is not part of the product and is never committed).
Each check comes from their expected.json; where ours differs on purpose (we keep
interleaved quotes as context) the check is an xfail that says why."""
from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from daemon.ingest.quotes import split_reply

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
FOLDERS = ("github-email_reply_parser", "zapier-email-reply-parser")

# Checks we fail by design: the hidden fragment's pattern also matches the quote lines
# we keep above an interleaved answer.
BY_DESIGN = {
    "github-email_reply_parser/email_1_2.txt hidden fragment 3 ^> ",
}


def _checks() -> Iterator[tuple[str, str, str, str]]:
    """(id, file, kind, argument) for every assertion about the visible text."""
    for folder in FOLDERS:
        expected_path = CORPUS / folder / "expected.json"
        if not expected_path.is_file():
            continue
        for name, spec in json.loads(expected_path.read_text(encoding="utf-8")).items():
            if name.startswith("_") or not isinstance(spec, dict):
                continue
            for kind, argument in _spec_checks(spec):
                yield (f"{folder}/{name} {kind} {argument}"[:120], f"{folder}/{name}", kind,
                       argument)


def _spec_checks(spec: dict) -> Iterator[tuple[str, str]]:
    for key in ("visible_reply_equals", "reply_equals", "reply_stripped_equals"):
        if key in spec:
            yield ("equals", spec[key])
    contains = spec.get("reply_contains", [])
    for text in [contains] if isinstance(contains, str) else contains:
        yield ("contains", text)
    if "reply_not_contains" in spec:
        yield ("not contains", spec["reply_not_contains"])
    if "max_seconds" in spec:
        yield ("seconds", str(spec["max_seconds"]))
    hidden = spec.get("hidden")
    if hidden is None:
        return
    for key in ("fragment_matches", "fragment_startswith_regex"):
        for index, pattern in spec.get(key, []):
            yield (f"{'hidden' if hidden[index] else 'shown'} fragment {index}", pattern)
    for key in ("fragment_equals", "fragment_contains"):
        for index, text in spec.get(key, []):
            # "not in the visible text" proves nothing for a bare substring like "--"
            if text.strip() and (key == "fragment_equals" or not hidden[index]):
                yield (f"{'hidden' if hidden[index] else 'shown'} fragment {index}",
                       re.escape(text.strip()))


CHECKS = list(_checks())


def _param(check: tuple[str, str, str, str]) -> object:
    marks = [pytest.mark.xfail(reason="interleaved quotes kept as context", strict=True)]
    return pytest.param(*check[1:], id=check[0],
                        marks=marks if check[0] in BY_DESIGN else [])


@pytest.mark.skipif(not CHECKS, reason="reply-parser corpus not present next to the repo")
@pytest.mark.parametrize(("sample", "kind", "argument"), [_param(c) for c in CHECKS]
                         or [pytest.param("", "", "", id="absent")])
def test_corpus_expectation(sample: str, kind: str, argument: str) -> None:
    text = (CORPUS / sample).read_text(encoding="utf-8")
    started = time.perf_counter()
    visible = split_reply(text).visible
    if kind == "equals":
        assert visible.strip() == argument.strip()
    elif kind == "contains":
        assert argument in visible
    elif kind == "not contains":
        assert argument not in visible
    elif kind == "seconds":
        assert time.perf_counter() - started < float(argument)
    elif kind.startswith("shown"):
        assert re.search(argument, visible, re.MULTILINE)
    else:
        assert not re.search(argument, visible, re.MULTILINE)
