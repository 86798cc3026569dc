"""The content-addressed blob store on a real directory: names by digest, writes each
blob once, never leaves a half-named file, and sweeps what a killed writer left behind.

In: bytes (or chunks). Out: digests, and the files under objects/."""
from __future__ import annotations

import hashlib
import os
import shutil
import time

import pytest

from daemon.store import STALE_TEMPORARY_SECONDS, TEMPORARY_PREFIX, BlobStore


@pytest.fixture
def store(tmp_path) -> BlobStore:
    return BlobStore(tmp_path / "var")


def files(store: BlobStore) -> list[str]:
    return sorted(str(p.relative_to(store.objects)) for p in store.objects.rglob("*") if p.is_file())


def test_a_blob_is_named_by_its_digest_and_read_back(store):
    digest = store.put(b"hola")
    assert digest == hashlib.sha256(b"hola").hexdigest()
    assert store.get(digest) == b"hola" and store.has(digest)
    assert files(store) == [f"{digest[:2]}/{digest}"]


def test_writing_the_same_blob_twice_keeps_one_file(store):
    assert store.put(b"x" * 1000) == store.put(b"x" * 1000)
    digest, size = store.put_stream([b"x" * 500, b"x" * 500])
    assert (digest, size) == (hashlib.sha256(b"x" * 1000).hexdigest(), 1000)
    assert len(files(store)) == 1


def test_a_streamed_blob_equals_the_same_bytes_put_at_once(store):
    chunks = [os.urandom(4096) for _ in range(10)]
    digest, size = store.put_stream(chunks)
    assert store.get(digest) == b"".join(chunks) and size == 40960
    assert not [name for name in files(store) if name.startswith(TEMPORARY_PREFIX)]


def test_a_failing_write_leaves_no_temporary(store):
    def broken():
        yield b"first part"
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        store.put_stream(broken())
    assert files(store) == []


def test_a_fan_out_directory_removed_behind_its_back_is_made_again(store):
    digest = store.put(b"uno")
    shutil.rmtree(store.objects / digest[:2])
    assert store.get(store.put(b"uno")) == b"uno"


def test_old_temporaries_of_an_interrupted_write_are_removed_and_fresh_ones_kept(store):
    store.put(b"a blob")
    old, fresh = store.objects / f"{TEMPORARY_PREFIX}999-1", store.objects / f"{TEMPORARY_PREFIX}999-2"
    old.write_bytes(b"half a message")
    fresh.write_bytes(b"being written now")
    an_hour_ago = time.time() - STALE_TEMPORARY_SECONDS - 60
    os.utime(old, (an_hour_ago, an_hour_ago))

    assert store.remove_stale_temporaries() == 1
    assert not old.exists() and fresh.exists()
    assert len(files(store)) == 2          # the blob and the fresh temporary


def test_sweeping_an_empty_store_does_nothing(store):
    assert store.remove_stale_temporaries() == 0
