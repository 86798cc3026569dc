"""text/enriched and text/richtext bodies read as plain text, not kept as a file."""
from __future__ import annotations

import pytest

from daemon.ingest.enriched import enriched_to_text
from daemon.ingest.parse import parse_message


@pytest.mark.parametrize("enriched, text", [
    ("<bold>No imprime</bold>, ayuda.", "No imprime, ayuda."),
    ("una linea\npartida", "una linea partida"),                 # a lone break is a space
    ("uno\n\ndos\n\n\ntres", "uno\ndos\n\ntres"),                 # n breaks are n-1
    ("dice <<error> 5", "dice <error> 5"),
    ("<color><param>red</param>rojo</color>", "rojo"),
    ("<x-unknown-command>texto</x-unknown-command>", "texto"),
])
def test_enriched_to_text(enriched, text):
    assert enriched_to_text(enriched) == text


def test_richtext_breaks_only_where_it_says():
    assert enriched_to_text("uno\ndos<nl>tres<np>cuatro <lt>x>", richtext=True) == "uno\ndos\ntres\n\ncuatro <x>"


def test_an_enriched_body_is_the_text_and_an_enriched_version_beside_html_is_no_file():
    alone = parse_message(b"From: a@x.test\nSubject: s\nContent-Type: text/enriched\n\n<bold>No imprime</bold>\n")
    assert (alone.text.strip(), alone.attachments) == ("No imprime", ())
    versions = parse_message(b"From: a@x.test\nSubject: s\nContent-Type: multipart/alternative; boundary=b\n\n"
                             b"--b\nContent-Type: text/enriched\n\n<bold>Hola</bold>\n--b\n"
                             b"Content-Type: text/html\n\n<b>Hola</b>\n--b--\n")
    assert (versions.text.strip(), versions.attachments) == ("Hola", ())


def test_unclosed_params_finish():
    assert enriched_to_text("<param>" * 200_000 + "fin").endswith("fin")
