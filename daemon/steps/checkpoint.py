"""Pipeline stage: a UID already in the checkpoint was committed before (the daemon
died before flagging or moving it on the server): do nothing but put it away again."""
from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import bindparam, select

from daemon.db import prepared
from daemon.db.models import InboundLog

if TYPE_CHECKING:
    from daemon.pipeline import Work


HANDLED = select(InboundLog.id).where(
    InboundLog.folder == bindparam("folder"), InboundLog.uidvalidity == bindparam("uidvalidity"),
    InboundLog.uid == bindparam("uid"))


def skip_if_handled(work: "Work") -> str | None:
    src = work.source
    found = prepared.value(work.session, HANDLED, folder=src.folder, uidvalidity=src.uidvalidity, uid=src.uid)
    return "already handled" if found is not None else None
