"""Outlook's rich-text body: the compressed form (MS-OXRTFCP) undone, and the HTML or
text it wraps given back for the same readers as a MIME body."""
from __future__ import annotations

import struct

import pytest

from daemon.ingest.html import html_to_text
from daemon.ingest.rtf import MAX_RAW, decompress, readable
from tests.support.tnef import uncompressed_rtf

# the worked example of MS-OXRTFCP: "{\rtf1\ansi\ansicpg1252\pard hello world}\r\n"
SPEC_EXAMPLE = bytes.fromhex("2d0000002b0000004c5a4675f1c5c7a703000a00726370673132354232"
                             "0af32068656c090020627705b06c647d0a800fa0")


def test_the_specifications_example_decompresses():
    assert decompress(SPEC_EXAMPLE) == b"{\\rtf1\\ansi\\ansicpg1252\\pard hello world}\r\n"


def test_the_stored_form_is_returned_as_it_is():
    assert decompress(uncompressed_rtf(b"{\\rtf1 hola}")) == b"{\\rtf1 hola}"


@pytest.mark.parametrize("data", [
    b"", b"short", struct.pack("<IIII", 12, 10, 0x12345678, 0) + b"0123456789",
    struct.pack("<IIII", 12, MAX_RAW + 1, 0x75465A4C, 0) + b"\x00" * 16,
], ids=["empty", "short", "unknown kind", "too large"])
def test_anything_else_gives_nothing(data):
    assert decompress(data) is None


def test_a_cut_stream_gives_what_it_held():
    assert decompress(SPEC_EXAMPLE[:-6]).startswith(b"{\\rtf1\\ansi\\ansicpg1252\\pard hel")


def test_text_rtf_reads_as_text_in_its_code_page():
    rtf = (b"{\\rtf1\\ansi\\ansicpg1252\\fromtext \\deff0{\\fonttbl{\\f0\\fswiss Arial;}}"
           b"{\\colortbl\\red0\\green0\\blue0;}{\\*\\generator Microsoft Exchange;}"
           b"\\pard\\plain\\f0 La impresora no imprime desde el mi\\'e9rcoles.\\par\r\n"
           b"Precio: 12\\u8364? \\'96 urgente\\tab fin\\par\r\n"
           b"{\\field{\\*\\fldinst HYPERLINK \"https://x.test\"}{\\fldrslt la web}}\\par\r\n"
           b"Ana\\line\\{llaves\\}\\par}")
    assert readable(rtf) == ("text", "La impresora no imprime desde el mi\u00e9rcoles.\n"
                                     "Precio: 12\u20ac \u2013 urgente\tfin\nla web\nAna\n{llaves}\n")


def test_a_code_page_of_its_own():
    assert readable(b"{\\rtf1\\ansi\\ansicpg1251 \\'cf\\'f0\\'e8\\'e2\\'e5\\'f2}") == ("text", "\u041f\u0440\u0438\u0432\u0435\u0442")


def test_html_rtf_gives_back_the_html():
    rtf = (b"{\\rtf1\\ansi\\ansicpg1252\\fromhtml1 \\deff0{\\fonttbl{\\f0\\fswiss Arial;}}\r\n"
           b"{\\*\\htmltag19 <html>}{\\*\\htmltag34 <head>}{\\*\\htmltag241 <style>p {color:red}</style>}"
           b"{\\*\\htmltag41 </head>}{\\*\\htmltag50 <body>}\\htmlrtf \\lang3082 \\htmlrtf0 "
           b"{\\*\\htmltag64 <p>}\\htmlrtf {\\htmlrtf0 Buenos d\\'edas,"
           b"\\htmlrtf\\par\\htmlrtf0 }{\\*\\htmltag72 </p>\\par }"
           b"{\\*\\htmltag64 <p>}\\htmlrtf {\\htmlrtf0 la pantalla parpadea."
           b"{\\*\\htmltag72 </p>}\\htmlrtf }\\htmlrtf0 "
           b"{\\*\\mhtmltag84 <img src=\"cid:x\">}{\\*\\htmltag58 </body>}{\\*\\htmltag27 </html>}}")
    kind, html = readable(rtf)
    assert kind == "html"
    assert "<p>Buenos d\u00edas,</p>\r\n<p>la pantalla parpadea.</p>" in html
    assert html_to_text(html) == "Buenos d\u00edas,\n\nla pantalla parpadea."


def test_deep_nesting_is_bounded():
    rtf = b"{\\rtf1 " + b"{" * 100_000 + b"hola" + b"}" * 100_000 + b" y adi\\'f3s}"
    assert readable(rtf) == ("text", "hola y adi\u00f3s")
