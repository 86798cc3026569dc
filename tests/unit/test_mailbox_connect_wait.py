"""The pause between IMAP connection attempts: 0.5 s doubling, plus up to 1 s of jitter,
never more than 5 s. Built at import, without tenacity's deprecated `initial`: with
warnings as errors here, importing the module proves the installed tenacity does not
warn (and smtp.py spells its wait the same way for every tenacity since 8.2)."""
from __future__ import annotations

import pytest
from tenacity import RetryCallState

from daemon.ingest import mailbox


def pause_after(attempt: int) -> float:
    state = RetryCallState(retry_object=None, fn=None, args=(), kwargs={})
    state.attempt_number = attempt
    return mailbox.CONNECT_WAIT(state)


@pytest.mark.parametrize("attempt, least", [(1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (9, 4.0)])
def test_the_pause_doubles_from_half_a_second_with_a_second_of_jitter_at_most(attempt, least):
    pauses = [pause_after(attempt) for _ in range(200)]
    assert all(least <= p <= least + 1 for p in pauses)
    assert max(pauses) - min(pauses) > 0.1          # jittered, so reconnecting clients spread out
    assert max(pauses) <= 5

