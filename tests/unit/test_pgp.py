"""Inline OpenPGP signatures: the ticket shows what was signed, as gpg --clearsign, Mutt
and K-9 write it; anything that is not a whole signed block is left as it came."""
from __future__ import annotations

import pytest

from daemon.ingest.parse import parse_message
from daemon.ingest.pgp import signed_text

SIGNATURE = """-----BEGIN PGP SIGNATURE-----

iQEzBAEBCAAdFiEE8xTqN5xY2F4o1G7oT0nFvY0ZP9QFAmVZ0zUACgkQT0nFvY0Z
P9T3xQf/Yk7bR8+mUo1vQ2lR0Xq3yZ1sWbQeVf4nW8pR2kT6mJ3hL9sD0aF5gH7j
=AbCd
-----END PGP SIGNATURE-----"""

CLEARSIGNED = f"""-----BEGIN PGP SIGNED MESSAGE-----
Hash: SHA256

#estado resuelto
Cambiada la placa base.
- - -----BEGIN PGP SIGNED MESSAGE----- (citado)
- -- 
Ana
{SIGNATURE}
"""


def test_the_signed_text_comes_out_with_its_dashes_unescaped():
    assert signed_text(CLEARSIGNED) == ("#estado resuelto\nCambiada la placa base.\n"
                                        "- -----BEGIN PGP SIGNED MESSAGE----- (citado)\n-- \nAna\n")


def test_text_around_the_block_stays():
    text = f"Reenvío firmado:\n\n{CLEARSIGNED}\n___\nLista soporte: https://lists.test/soporte\n"
    out = signed_text(text)
    assert out.startswith("Reenvío firmado:\n\n#estado resuelto\n")
    assert out.endswith("\n___\nLista soporte: https://lists.test/soporte\n")
    assert "PGP" not in out.replace("- -----BEGIN PGP SIGNED MESSAGE----- (citado)", "")


def test_a_message_signed_twice_comes_out_as_its_text():
    inner = "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA1\n\nLa impresora sigue atascada.\n" + SIGNATURE
    escaped = "\n".join("- " + line if line.startswith("-") else line for line in inner.split("\n"))
    outer = f"-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA1\n\n{escaped}\n{SIGNATURE}\n"
    assert signed_text(outer) == "La impresora sigue atascada.\n"


@pytest.mark.parametrize("text", [
    "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nCortado sin firma.\n",
    "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nSin fin.\n-----BEGIN PGP SIGNATURE-----\n\niQEz\n",
    "-----BEGIN PGP SIGNED MESSAGE-----\nesto no es una cabecera\n\nTexto.\n" + SIGNATURE,
    "> -----BEGIN PGP SIGNED MESSAGE-----\n> Hash: SHA256\n>\n> citado\n> " + SIGNATURE.replace("\n", "\n> "),
    "Un texto que habla de -----BEGIN PGP SIGNED MESSAGE----- sin serlo.\n",
], ids=["no signature", "no end", "not armour headers", "quoted", "mentioned"])
def test_anything_but_a_whole_block_is_left_alone(text):
    assert signed_text(text) == text


def test_a_clearsigned_message_is_read_as_its_text():
    raw = ("From: Ana <ana@cliente.test>\nTo: soporte@example.test\nSubject: La impresora\n"
           "Content-Type: text/plain; charset=utf-8\n\n" + CLEARSIGNED).encode()
    assert parse_message(raw).text.startswith("#estado resuelto\nCambiada la placa base.\n")

