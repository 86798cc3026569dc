"""Pipeline stage: a UID already in the checkpoint was committed before (the daemon
died before flagging or moving it on the server): do nothing but put it away again."""
from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from daemon.db.models import InboundLog

if TYPE_CHECKING:
    from daemon.pipeline import Work


def skip_if_handled(work: "Work") -> str | None:
    src = work.source
    found = work.session.scalar(select(InboundLog.id).where(
        InboundLog.folder == src.folder, InboundLog.uidvalidity == src.uidvalidity,
        InboundLog.uid == src.uid))
    return "already handled" if found is not None else None
