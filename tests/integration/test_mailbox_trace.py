"""imaplib's protocol trace (which imapclient routes to a logger) is formatted only when
someone listens: formatting it meant a repr of every downloaded message."""
from __future__ import annotations

import logging

from daemon.ingest.mailbox import PROTOCOL_TRACE, Mailbox
from tests.integration.test_read_ahead import settings
from tests.support.mail import make_mail


def test_the_protocol_trace_is_off_unless_its_logger_listens(tmp_path, mailbox):
    mailbox.append(make_mail("ana@example.com", "Avería", "El equipo no arranca.\n"))
    with Mailbox(settings(tmp_path, mailbox), secret=mailbox.password) as imap:
        assert imap.client._imap.debug == 0
        assert [raw for _, raw in imap.fetch([w.uid for w in imap.waiting()])]


def test_an_admin_debugging_imap_still_gets_the_trace(tmp_path, mailbox, caplog):
    mailbox.append(make_mail("ana@example.com", "Avería", "El equipo no arranca.\n"))
    with caplog.at_level(logging.DEBUG, logger=PROTOCOL_TRACE):
        with Mailbox(settings(tmp_path, mailbox), secret=mailbox.password) as imap:
            list(imap.fetch([w.uid for w in imap.waiting()]))
    assert any("FETCH" in record.getMessage() for record in caplog.records if record.name == PROTOCOL_TRACE)
