"""Against real-world mail from other projects, when that corpus sits next to the repo:
every message parses, and the bounces among them are recognised as bounces."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from daemon.ingest.guards import OwnIdentity, classify
from daemon.ingest.parse import parse_message

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
BOUNCES = CORPUS / "flufl.bounce"
OWN = OwnIdentity("soporte@example.test", "soporte.example.test", b"k", "soporte@example.test")
# Measured: 115 of 117 (the two others are a human reply and an auto-reply).
BOUNCE_RATE = 0.95
ADDRESS_RATE = 0.90


def corpus_files() -> list[Path]:
    if not CORPUS.is_dir():
        pytest.skip("the shared corpus is not next to this checkout")
    folders = (CORPUS / "mail-parser" / "mails", BOUNCES / "data")
    return sorted(p for folder in folders for p in folder.iterdir() if p.is_file())


def test_every_corpus_message_parses():
    files = corpus_files()
    failures = []
    for path in files:
        try:
            parse_message(path.read_bytes())
        except Exception as exc:  # noqa: BLE001 - collect them all for one report
            failures.append(f"{path.name}: {exc!r}")
    assert files and not failures


def test_bounces_are_detected():
    corpus_files()
    files = sorted((BOUNCES / "data").iterdir())
    kinds = {p.name: classify(parse_message(p.read_bytes()), OWN).kind for p in files}
    missed = sorted(name for name, kind in kinds.items() if kind != "bounce")
    assert (len(files) - len(missed)) / len(files) >= BOUNCE_RATE, missed


def test_failed_recipients_are_found():
    corpus_files()
    expected = json.loads((BOUNCES / "expected.json").read_text())["detector_cases"]
    wanted: dict[str, set[str]] = {}
    for case in expected:
        wanted.setdefault(case["file"], set()).update(a.lower() for a in case["expected_addresses"])
    wanted = {name: addrs for name, addrs in wanted.items() if addrs}
    found = 0
    for name, addresses in wanted.items():
        verdict = classify(parse_message((BOUNCES / "data" / name).read_bytes()), OWN)
        found += bool(verdict.bounce and addresses <= set(verdict.bounce.failed_recipients))
    assert found / len(wanted) >= ADDRESS_RATE
