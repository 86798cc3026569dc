"""The pure parts of mail hygiene: the outbox retry schedule and its failure bookkeeping,
the outage state machine behind the admin alerts, and matching a bounce to what we sent."""
from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

import pytest

from daemon.alerts import Outage, decode, encode, failed, needs_alert
from daemon.ingest.bounces import BounceInfo
from daemon.ingest.guards import OwnIdentity, classify
from daemon.ingest.parse import parse_message
from daemon.outbound.delivery import record_failure, requeue, retry_delay
from daemon.outbound.smtp import PermanentFailure, TemporaryFailure
from daemon.quarantine import summarize
from daemon.steps.bounces import SentMail, bounce_tokens, match_bounce

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
MAIL = Path(__file__).resolve().parents[1] / "data" / "mail"


# -- retry schedule ---------------------------------------------------------------------

@pytest.mark.parametrize("attempts, minutes", [(0, 1), (1, 1), (2, 2), (3, 4), (4, 8), (6, 32), (7, 60), (30, 60)])
def test_retry_delay_doubles_up_to_an_hour_within_jitter(attempts, minutes):
    rng = random.Random(attempts)
    for _ in range(20):
        delay = retry_delay(attempts, rng)
        assert timedelta(minutes=minutes * 0.8) <= delay <= timedelta(minutes=minutes * 1.2)


def outbox_row(**fields) -> SimpleNamespace:
    base = dict(attempts=0, last_error="", locked_until=T0, status="pending",
                give_up_at=T0 + timedelta(hours=72), next_attempt_at=T0)
    return SimpleNamespace(**{**base, **fields})


def test_temporary_failure_defers_to_the_next_slot():
    row = outbox_row()
    assert record_failure(row, TemporaryFailure("451 try later"), T0) == "deferred"
    assert (row.status, row.attempts, row.last_error, row.locked_until) == ("pending", 1, "451 try later", None)
    assert T0 + timedelta(seconds=48) <= row.next_attempt_at <= T0 + timedelta(seconds=72)


def test_permanent_failure_is_final():
    row = outbox_row()
    assert record_failure(row, PermanentFailure("550 no such user"), T0) == "failed"
    assert (row.status, row.last_error) == ("failed", "550 no such user")


def test_temporary_failure_after_the_give_up_deadline_is_final():
    row = outbox_row(give_up_at=T0 - timedelta(seconds=1))
    assert record_failure(row, TemporaryFailure("timeout"), T0) == "failed"


def test_requeue_makes_a_failed_row_due_now_with_a_fresh_deadline():
    row = outbox_row(status="failed", next_attempt_at=T0 - timedelta(days=3), locked_until=None)
    requeue(row, T0, timedelta(hours=72))
    assert (row.status, row.next_attempt_at, row.give_up_at) == ("pending", T0, T0 + timedelta(hours=72))


# -- outage state ------------------------------------------------------------------------

def test_first_failure_opens_an_outage_without_alerting():
    state = failed(None, T0, "connection refused")
    assert state == Outage(since=T0, last_failure=T0, failures=1, last_error="connection refused")
    assert not needs_alert(state, T0 + timedelta(hours=5))     # one failure is a blip


@pytest.mark.parametrize("second_after, check_after, alert", [
    (timedelta(seconds=2), timedelta(seconds=2), False),        # a quick restart
    (timedelta(minutes=4), timedelta(minutes=4), False),
    (timedelta(minutes=1), timedelta(minutes=5), True),         # lasted long enough
    (timedelta(minutes=6), timedelta(minutes=6), True),
])
def test_alert_needs_two_failures_and_five_minutes(second_after, check_after, alert):
    state = failed(failed(None, T0, "a"), T0 + second_after, "b")
    assert state.failures == 2 and state.since == T0 and state.last_error == "b"
    assert needs_alert(state, T0 + check_after) is alert


def test_an_alerted_outage_never_alerts_again():
    state = failed(failed(None, T0, "a"), T0 + timedelta(minutes=10), "b")
    done = Outage(**{**state.__dict__, "alerted": True})
    assert not needs_alert(failed(done, T0 + timedelta(hours=3), "c"), T0 + timedelta(hours=3))
    assert failed(done, T0 + timedelta(hours=3), "c").alerted


def test_outage_state_survives_a_round_trip_and_garbage_starts_afresh():
    state = Outage(since=T0, last_failure=T0 + timedelta(minutes=7), failures=4, last_error="x", alerted=True)
    assert decode(encode(state)) == state
    assert decode("not json") is None
    assert decode('{"since": "yesterday"}') is None


def test_needs_alert_without_an_outage_is_false():
    assert not needs_alert(None, T0)


# -- bounce matching --------------------------------------------------------------------

def info(ids=(), failed_to=(), permanent=True, diagnostic="550 5.1.1 User unknown", subject="") -> BounceInfo:
    return BounceInfo(original_message_ids=tuple(ids), failed_recipients=tuple(failed_to),
                      permanent=permanent, diagnostic=diagnostic, original_subject=subject)


def test_our_message_id_finds_the_ticket_and_fails_the_row():
    sent = [SentMail(7, 3, ("juan@cliente.test",))]
    match = match_bounce(info(ids=("x@soporte",), failed_to=("juan@cliente.test",)), sent, token_ticket_id=9)
    assert (match.ticket_id, match.failed_outbox_ids, match.undeliverable) == (3, (7,), ("juan@cliente.test",))
    assert match.note.startswith("Rebote: el correo no se pudo entregar a juan@cliente.test.")
    assert "Diagnóstico: 550 5.1.1 User unknown" in match.note


def test_without_our_message_id_the_token_decides():
    match = match_bounce(info(failed_to=("ana@x.test",)), [], token_ticket_id=9)
    assert (match.ticket_id, match.failed_outbox_ids, match.undeliverable) == (9, (), ("ana@x.test",))


def test_nothing_known_means_no_ticket():
    assert match_bounce(info(), [], None).ticket_id is None


def test_a_dsn_naming_nobody_blames_the_one_recipient_of_the_returned_mail():
    match = match_bounce(info(ids=("x",)), [SentMail(1, 2, ("luis@cliente.test",))], None)
    assert match.undeliverable == ("luis@cliente.test",)


def test_a_bounce_fails_only_the_row_that_went_to_the_failed_address():
    sent = [SentMail(1, 2, ("ana@empresa.test",)), SentMail(5, 2, ("Sara@empresa.test",))]
    match = match_bounce(info(ids=("x",), failed_to=("sara@empresa.test",)), sent, None)
    assert (match.failed_outbox_ids, match.undeliverable) == ((5,), ("sara@empresa.test",))
    # naming nobody, the report says nothing of who got it: every row of the mail fails
    assert match_bounce(info(ids=("x",)), sent, None).failed_outbox_ids == (1, 5)


def test_a_delay_notice_is_noted_but_fails_nothing():
    match = match_bounce(info(ids=("x",), failed_to=("a@b.test",), permanent=False),
                         [SentMail(1, 2, ("a@b.test",))], None)
    assert (match.ticket_id, match.failed_outbox_ids, match.undeliverable) == (2, (), ())
    assert match.note.startswith("Aviso de retraso")


def test_tokens_come_from_the_bounce_subject_and_the_returned_subject():
    found = bounce_tokens(info(subject="Re: [SOP-000123] Hola"), "Undeliverable: [sop-000045] x", "SOP", 6)
    assert found == ["SOP-000045", "SOP-000123"]


def test_the_dsn_fixture_matches_our_row_and_its_token():
    own = OwnIdentity("soporte@example.test", "soporte.example.test", b"s", "soporte@example.test")
    verdict = classify(parse_message((MAIL / "dsn_bounce_with_token.eml").read_bytes()), own)
    bounce = verdict.bounce
    assert bounce is not None
    msgid = "soporte.ack-000123-1.b028e763@soporte.example.test"
    match = match_bounce(bounce, [SentMail(5, 123, ("noexiste@cliente.test",))], None)
    assert bounce.original_message_ids == (msgid,)
    assert (match.ticket_id, match.failed_outbox_ids, match.undeliverable) == (123, (5,), ("noexiste@cliente.test",))
    assert bounce_tokens(bounce, "Undelivered Mail Returned to Sender", "SOP", 6) == ["SOP-000123"]


# -- quarantine summaries -----------------------------------------------------------------

def test_summary_reads_headers_leniently():
    raw = b"From: =?utf-8?q?Jos=C3=A9?= <jose@x.test>\r\nSubject: Hola\r\nMessage-ID: <a@b>\r\n\r\nbody"
    summary = summarize(raw)
    assert (summary.sender, summary.subject, summary.message_id) == ("José <jose@x.test>", "Hola", "<a@b>")
    assert summarize(b"").headers == ()
    assert summarize(b"\xff\xfe garbage without headers").subject == ""
