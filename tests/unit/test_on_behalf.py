"""Who a form or a no-reply robot writes for: the one address in Reply-To, when the
From is nobody's; never a staff member typed into a form, never our own mail."""
from __future__ import annotations

import pytest

from daemon.ingest.on_behalf import on_behalf_of
from daemon.ingest.parse import parse_message

SUPPORT = "soporte@example.test"


def staff_by_email(address: str) -> bool:
    return address == "ana@empresa.test"


def _mail(from_line: str, reply_to: str | None) -> bytes:
    head = f"From: {from_line}\n" if from_line else ""
    head += f"Reply-To: {reply_to}\n" if reply_to is not None else ""
    return (head + "To: soporte@example.test\nSubject: Contacto\n\nHola\n").encode()


@pytest.mark.parametrize("from_line, reply_to, sender", [
    ("Web <soporte@example.test>", '"Juan Pérez" <juan@cliente.test>', ("Juan Pérez", "juan@cliente.test")),
    ("Tienda <noreply@tienda.test>", "lucia@cliente.test", ("", "lucia@cliente.test")),
    ("do-not-reply+pedidos@tienda.test", "=?utf-8?q?Luc=C3=ADa?= <lucia@cliente.test>", ("Lucía", "lucia@cliente.test")),
    ("WordPress <wordpress@empresa.test>", "lucia@cliente.test", ("", "lucia@cliente.test")),
    ("", "lucia@cliente.test", ("", "lucia@cliente.test")),
    # a person's own Reply-To (a colleague, a second mailbox) changes nothing
    ("Juan <juan@cliente.test>", "compras@cliente.test", ("Juan", "juan@cliente.test")),
    # two addresses: no telling which is the customer
    ("noreply@tienda.test", "a@cliente.test, b@cliente.test", ("", "noreply@tienda.test")),
    # a staff member typed into a form, the support address, another robot: unchanged
    ("noreply@tienda.test", "ana@empresa.test", ("", "noreply@tienda.test")),
    ("noreply@tienda.test", "soporte@example.test", ("", "noreply@tienda.test")),
    ("noreply@tienda.test", "no-reply@otra.test", ("", "noreply@tienda.test")),
    # our own mail: From and Reply-To are both the support address
    ("Soporte <soporte@example.test>", "soporte@example.test", ("Soporte", "soporte@example.test")),
    ("noreply@tienda.test", None, ("", "noreply@tienda.test")),
])
def test_the_sender_a_form_writes_for(from_line, reply_to, sender):
    written = parse_message(_mail(from_line, reply_to))
    msg = on_behalf_of(written, SUPPORT, staff_by_email)
    assert (msg.from_name, msg.from_addr) == sender
    noted = any(d.startswith("sender taken from Reply-To") for d in msg.defects)
    assert noted == (msg.from_addr != written.from_addr)


def test_a_report_with_the_null_sender_is_left_for_the_guards():
    written = parse_message(b"Return-Path: < >\nReply-To: lucia@cliente.test\nSubject: Undelivered Mail\n\n550 5.1.1\n")
    assert on_behalf_of(written, SUPPORT, staff_by_email).from_addr == ""
