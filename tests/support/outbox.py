"""Outbox rows written straight into a soporte database, for tests of the sender that
need mail waiting without going through ingest."""
from __future__ import annotations

from datetime import datetime, timedelta

from daemon.db.models import Outbox
from daemon.runtime import Runtime
from tests.support.mail import make_mail, message_id_of


def queue_mails(rt: Runtime, count: int, due: datetime) -> list[str]:
    """`count` outbox rows due at `due`, one customer each; returns their Message-IDs."""
    raws = [make_mail("soporte@example.test", f"Aviso {n}", to=f"c{n}@cliente.test") for n in range(count)]
    with rt.sessions.begin() as session:
        session.add_all(Outbox(message_id=message_id_of(raw), event="created", audience="customer",
                               recipients=[f"c{n}@cliente.test"], first_recipient=f"c{n}@cliente.test",
                               subject=f"Aviso {n}", raw=raw, automatic=True, status="pending", attempts=0,
                               created_at=due, next_attempt_at=due, give_up_at=due + timedelta(days=3),
                               last_error="") for n, raw in enumerate(raws))
    return [message_id_of(raw) for raw in raws]
