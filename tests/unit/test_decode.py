"""Header words and body charsets as real mailers write them."""
import pytest

from daemon.ingest.decode import decode_bytes, decode_header_value
from daemon.ingest.parse import parse_message


@pytest.mark.parametrize("value, text", [
    # a character split between two encoded words
    ("=?utf-8?q?=C3?= =?utf-8?q?=A9t=C3=A9?=", "été"),
    ("=?UTF-8?B?Y2Fmw6kg4oI=?= =?UTF-8?B?rCAxMA==?=", "café € 10"),
    ("=?UTF-8?B?RmFjdHVyYSDD?= =?UTF-8?B?sS5wZGY=?=", "Factura ñ.pdf"),
    # words in two charsets, text between them, a raw space inside a Q word
    ("Re: =?utf-8?q?hola?= y =?iso-8859-1?q?Espa=F1a?=", "Re: hola y España"),
    ("=?utf-8?q?Caf=C3=A9 abierto?=", "Café abierto"),
    ("=?iso-8859-1*es?q?Espa=F1a?=", "España"),
    # unpadded base64, a broken word kept as it is, a NUL in the charset
    ("=?utf-8?b?w7E?=", "ñ"),
    ("=?utf-8?b?broken!?= ok", "=?utf-8?b?broken!?= ok"),
    ("=?utf\x00-8?q?hi?=", "hi"),
    # Windows' ISO-2022-JP with its own characters
    ("=?ISO-2022-JP?B?GyRCLWobKEJBQkM=?=", "㈱ABC"),
    # a fold in the middle of a word, in base64 and in quoted-printable
    ("=?utf-8?B?Q2Fmw6kg\n YWJpZXJ0bw==?=", "Café abierto"),
    ("=?utf-8?Q?(=D0=BF=D0=B5=\n D0=B4=D0=B0=D0?=\n =?utf-8?Q?=B9?=", "(педай"),
    # folds between words and in plain text stay spaces
    ("=?utf-8?Q?a?=\n =?utf-8?Q?b?= y\n mas", "ab y mas"),
])
def test_header_words(value, text):
    assert decode_header_value(value) == text


@pytest.mark.parametrize("data, charset, text", [
    ("שלום עולם".encode("iso8859_8"), "iso-8859-8-i", "שלום עולם"),
    ("Привет".encode("cp1251"), "win-1251", "Привет"),
    ("Dobrý den".encode("cp1250"), "cp-1250", "Dobrý den"),
    ("สวัสดี".encode("cp874"), "windows-874", "สวัสดี"),
    ("東京".encode("cp932"), "x-sjis", "東京"),
    ("東京".encode("cp932"), "windows-31j", "東京"),
    ("Café".encode("mac_roman"), "x-mac-roman", "Café"),
    ("中文".encode("gbk"), "x-gbk", "中文"),
    (b"\x1b$B-j\x1b(BABC \x1b$BEl5~\x1b(B", "ISO-2022-JP", "㈱ABC 東京"),
    ("日本語".encode("iso2022_jp"), "iso-2022-jp", "日本語"),
    (b"hello", "utf-8\x00", "hello"),
    # a Latin-1 message with a signature pasted in UTF-8: each line as it is written
    ("Hallöle\n".encode("latin-1") + "Marienstraße 18\n".encode("utf-8"), "iso-8859-1",
     "Hallöle\nMarienstraße 18\n"),
    # genuine Latin-1 throughout stays Latin-1
    ("Mañana\ncañería rota\n".encode("latin-1"), "iso-8859-1", "Mañana\ncañería rota\n"),
])
def test_body_charsets(data, charset, text):
    assert decode_bytes(data, charset)[0] == text


@pytest.mark.parametrize("value", ["=?utf-8?Q?" + "ab  \n   cd " * 20_000, "=?utf-8?Q?a\n " * 20_000,
                                   "=?utf-8?Q?a\n b?= " * 20_000])
def test_many_folded_words_finish(value):
    assert decode_header_value(value)


def test_a_nul_in_a_charset_name_does_not_stop_the_message():
    msg = parse_message(b'From: a@x.test\nSubject: =?utf\x00-8?q?hi?=\n'
                        b'Content-Type: text/plain; charset="utf-8\x00"\n\nhello\n')
    assert (msg.subject, msg.text.strip()) == ("hi", "hello")


def test_a_nul_in_a_part_charset_does_not_stop_the_message():
    msg = parse_message(b"From: a@x.test\nSubject: s\nContent-Type: multipart/mixed; boundary=b\n\n--b\n"
                        b"Content-Type: text/plain; charset=\"utf-8\x00\"\n\nespa\xc3\xb1a\n--b\n"
                        b"Content-Type: message/rfc822; charset=\"x\x00\"\n\nSubject: dentro\n\ntexto\n--b--\n")
    assert msg.text.strip() == "españa" and msg.attachments[0].payload.startswith(b"Subject: dentro")


@pytest.mark.parametrize("label", ["quoted-printable", "quopri", "base64", "rot13"])
def test_a_transfer_encoding_written_as_the_charset_is_no_charset(label):
    text, note = decode_bytes("Pedido número 5".encode("utf-8"), label)
    assert text == "Pedido número 5" and label in note
