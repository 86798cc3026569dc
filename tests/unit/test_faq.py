"""Folding words (daemon.words) and the FAQ links offered in an acknowledgement: keywords
match whatever the accents and case."""
from __future__ import annotations

import unicodedata

import pytest

from daemon.config import Faq
from daemon.outbound.faq import matching_faq
from daemon.words import fold


def slow_fold(text: str) -> str:
    """The definition: casefold, decompose, drop every combining mark."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@pytest.mark.parametrize("text", [
    "", "plain ASCII", "Climatización", "CAMIÓN", "e\u0301", "\u0301 alone", "Ñandú pingüino",
    "Straße ﬁcha", "İstanbul", "東京 Ελληνικά ῷ", "e\u0301\u0327\u0308 stacked", "😀 emoji",
])
def test_fold_matches_its_definition(text):
    assert fold(text) == slow_fold(text)


def test_a_long_message_folds_like_a_short_one():
    text = "El técnico no llegó; la climatización sigue sin funcionar. " * 200
    assert fold(text) == slow_fold(text)
    assert "tecnico" in fold(text) and "é" not in fold(text)


def entry(title: str, *keywords: str) -> Faq:
    return Faq(title=title, url=f"https://ayuda.example.test/{title}", keywords=keywords)


def test_keywords_match_without_accents_or_case():
    faqs = [entry("factura", "Facturación"), entry("garantia", "garantía"), entry("vpn", "vpn")]
    found = matching_faq(faqs, "Tengo una duda con la FACTURACION y la Garantia del equipo")
    assert [f["title"] for f in found] == ["factura", "garantia"]


def test_at_most_limit_entries_in_configured_order():
    faqs = [entry(str(n), "equipo") for n in range(8)]
    found = matching_faq(faqs, "mi equipo", limit=3)
    assert [f["title"] for f in found] == ["0", "1", "2"]
    assert found[0] == {"title": "0", "url": "https://ayuda.example.test/0"}
