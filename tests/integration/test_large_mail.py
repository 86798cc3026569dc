"""Large attachments end to end: a message of several megabytes through the real
Dovecot and `soporte once`; the stored blob is byte for byte the attachment, a warranty
document arriving this way counts, and one over the size limit is listed, not stored."""
from __future__ import annotations

import hashlib
import os
import random
import time

from tests.support.mail import make_mail

PDF = b"%PDF-1.4\n" + random.Random(11).randbytes(3 * 1024 * 1024)
SHA = hashlib.sha256(PDF).hexdigest()


def big_mail(subject: str) -> bytes:
    return make_mail("juan@cliente.test", subject, "Adjunto la factura.\n",
                     attachments=(("factura.pdf", "application/pdf", PDF),
                                  ("nota.txt", "text/plain", b"una nota\n")))


def inbound_attachments(site, token: str = "SOP-000001") -> list[dict]:
    return [a for m in site.show(token)["messages"] if m["direction"] == "in" for a in m["attachments"]]


def blob(site, digest: str):
    return site.base / "var" / "objects" / digest[:2] / digest


def test_a_large_attachment_is_stored_byte_for_byte(site, smtp_sink, mailbox):
    site.deliver(big_mail("Factura de la reparación"))
    site.once()
    pdf, note = inbound_attachments(site)
    assert (pdf["filename"], pdf["content_type"], pdf["size"], pdf["sha256"]) == (
        "factura.pdf", "application/pdf", len(PDF), SHA)
    assert blob(site, SHA).read_bytes() == PDF
    assert note["sha256"] == hashlib.sha256(b"una nota\n").hexdigest()
    assert not list((site.base / "var" / "objects").rglob(".tmp-*"))
    assert mailbox.counts() == {"INBOX": 0, "Processed": 1, "Quarantine": 0}


def test_a_large_warranty_document_counts(site, smtp_sink):
    site.write_config('''
[[rules]]
name = "Reclamaciones de garantía"
when.subject = "(?i)garant[ií]a"
then.category = "informes_sobre_proceso"
then.kind = "garantia"
''')
    site.deliver(make_mail("juan@cliente.test", "Garantía: la lavadora pierde agua", "Pierde agua.\n"))
    site.once(now="2026-11-23T10:00:00+01:00")
    assert site.show("SOP-000001")["status"] == "sin_documentacion"
    site.deliver(big_mail("Re: [SOP-000001] Garantía"))
    site.once(now="2026-11-23T11:00:00+01:00")
    assert site.show("SOP-000001")["status"] == "abierto"


def test_over_the_limit_it_is_listed_but_never_written(site, smtp_sink):
    site.write_config("[limits]\nmax_attachment_bytes = 1000000\n")
    site.deliver(big_mail("Factura enorme"))
    site.once()
    pdf, note = inbound_attachments(site)
    assert (pdf["size"], pdf["sha256"]) == (len(PDF), None)
    assert not blob(site, SHA).exists()
    assert note["sha256"] is not None


def test_the_sweep_removes_a_blob_write_a_kill_interrupted(site, smtp_sink):
    """A process killed while writing a blob leaves its temporary file; `soporte once`
    sweeps it once it is old enough to be nobody's write in progress."""
    objects = site.base / "var" / "objects"
    objects.mkdir(parents=True, exist_ok=True)
    interrupted, current = objects / ".tmp-4242-7", objects / ".tmp-4242-8"
    interrupted.write_bytes(PDF[:1000])
    current.write_bytes(PDF[:10])
    two_hours_ago = time.time() - 7200
    os.utime(interrupted, (two_hours_ago, two_hours_ago))
    site.once()
    assert not interrupted.exists() and current.exists()
