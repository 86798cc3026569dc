"""Signed Message-IDs: ours are recognised, anything else is not."""
from __future__ import annotations

import re

import pytest

from daemon.outbound.msgid import is_our_message_id, make_message_id

DOMAIN, SECRET = "soporte.example.test", b"test-secret"


def test_shape_without_angle_brackets():
    mid = make_message_id(DOMAIN, SECRET)
    assert re.fullmatch(r"soporte\.[0-9a-f]{24}\.[0-9a-f]{8}@soporte\.example\.test", mid)


def test_random_part_differs_each_time():
    assert make_message_id(DOMAIN, SECRET) != make_message_id(DOMAIN, SECRET)


def test_unique_part_makes_it_deterministic():
    assert make_message_id(DOMAIN, SECRET, "ack-000123-1") == (
        "soporte.ack-000123-1.b028e763@soporte.example.test")


@pytest.mark.parametrize("candidate", [
    make_message_id(DOMAIN, SECRET),
    make_message_id(DOMAIN, SECRET, "ack-000123-1"),
    make_message_id(DOMAIN, SECRET, "with.dots.inside"),
    "<" + make_message_id(DOMAIN, SECRET) + ">",
    "  " + make_message_id(DOMAIN, SECRET, "x") + " ",
    make_message_id(DOMAIN, SECRET, "x").upper(),        # case-mangling relays
])
def test_ours(candidate):
    assert is_our_message_id(candidate, DOMAIN, SECRET)


@pytest.mark.parametrize("candidate, domain, secret", [
    (make_message_id(DOMAIN, b"other-secret"), DOMAIN, SECRET),
    (make_message_id("other.example.test", SECRET), DOMAIN, SECRET),
    (make_message_id(DOMAIN, SECRET, "x").replace(".x.", ".y."), DOMAIN, SECRET),
    ("soporte.ack-000123-1.00000000@soporte.example.test", DOMAIN, SECRET),
    ("soporte.ack-000123-1@soporte.example.test", DOMAIN, SECRET),
    ("ack-000123-1.b028e763@soporte.example.test", DOMAIN, SECRET),
    ("20261123091500.4711@cliente.test", DOMAIN, SECRET),
    ("", DOMAIN, SECRET),
    ("no-at-sign", DOMAIN, SECRET),
    (make_message_id(DOMAIN, SECRET), DOMAIN, b""),
])
def test_not_ours(candidate, domain, secret):
    assert not is_our_message_id(candidate, domain, secret)


@pytest.mark.parametrize("domain, secret, unique", [
    (DOMAIN, SECRET, "has space"),
    (DOMAIN, SECRET, "a..b"),
    (DOMAIN, SECRET, "<x>"),
    (DOMAIN, SECRET, ""),
    ("", SECRET, None),
    ("user@" + DOMAIN, SECRET, None),
    (DOMAIN, b"", None),
])
def test_refuses_unusable_input(domain, secret, unique):
    with pytest.raises(ValueError):
        make_message_id(domain, secret, unique)
