"""The timer sweep: every deadline (warranty reminders, SLA breaches, follow-ups, the
daily agenda) is evaluated here from database state at an instant given by the caller,
never by in-memory timers, so a restart loses nothing and tests pass `--now`. Each job
is idempotent: sweeping twice at the same instant sends nothing twice."""
from __future__ import annotations

import logging
from datetime import datetime

from daemon.runtime import Runtime
from daemon.timers import JOBS

log = logging.getLogger("soporte.sweep")


def sweep(rt: Runtime, now: datetime) -> dict[str, int]:
    done: dict[str, int] = {}
    for name, job in JOBS:
        try:
            done[name] = job(rt, now)
        except Exception:   # noqa: BLE001 - one broken job must not stop the others
            log.exception("sweep job %s failed; it will run again next sweep", name)
            done[name] = -1
    return done
