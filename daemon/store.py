"""Content-addressed file store for raw messages and attachments: a blob is named by its
SHA-256, so writing it twice is harmless and a crash never leaves a half-named file.
Callers keep only the digest; user-supplied file names never become paths.
A blob is written under a temporary name in `objects/` and renamed into place; a
process killed mid-write leaves that temporary behind, and the sweep removes the old ones."""
from __future__ import annotations

import hashlib
import itertools
import logging
import os
import time
from pathlib import Path
from typing import Iterable

log = logging.getLogger("soporte.store")
TEMPORARY_PREFIX = ".tmp-"
STALE_TEMPORARY_SECONDS = 3600     # no write takes this long: older ones were interrupted
_names = itertools.count()


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.objects = self.root / "objects"
        self._made: set[str] = set()       # fan-out directories known to exist

    def path_for(self, digest: str) -> Path:
        if len(digest) != 64 or not all(c in "0123456789abcdef" for c in digest):
            raise ValueError(f"not a sha256 digest: {digest!r}")
        return self.root / "objects" / digest[:2] / digest

    def put(self, data: bytes, digest: str | None = None) -> str:
        digest = digest or hashlib.sha256(data).hexdigest()
        target = self.path_for(digest)
        if target.exists():
            return digest
        fd, tmp = self._temporary()
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            self._name(tmp, target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return digest

    def put_stream(self, chunks: Iterable[bytes]) -> tuple[str, int]:
        """(digest, size) of the concatenated chunks, written to a temporary file while
        hashing and then named by the digest: a large blob is never held whole."""
        fd, tmp = self._temporary()
        hasher, size = hashlib.sha256(), 0
        try:
            with os.fdopen(fd, "wb") as handle:
                for chunk in chunks:
                    hasher.update(chunk)
                    size += len(chunk)
                    handle.write(chunk)
            self._name(tmp, self.path_for(hasher.hexdigest()))
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return hasher.hexdigest(), size

    def remove_stale_temporaries(self, older_than: float = STALE_TEMPORARY_SECONDS) -> int:
        """Deletes what writers killed mid-write left behind; returns how many. Ages are
        the files' own (wall clock), whatever instant the caller sweeps at."""
        if not self.objects.is_dir():
            return 0
        limit, removed = time.time() - older_than, 0
        for entry in os.scandir(self.objects):
            if entry.name.startswith(TEMPORARY_PREFIX) and entry.is_file(follow_symlinks=False):
                try:
                    if entry.stat(follow_symlinks=False).st_mtime < limit:
                        os.unlink(entry.path)
                        removed += 1
                except FileNotFoundError:
                    continue          # renamed into place or removed meanwhile
        if removed:
            log.info("removed %d interrupted blob write(s) from %s", removed, self.objects)
        return removed

    def _temporary(self) -> tuple[int, Path]:
        """A new file of our own in objects/ (the same file system as every blob, so the
        rename is atomic); the names are cheap, O_EXCL makes them safe."""
        self._ensure(self.objects)
        while True:
            path = self.objects / f"{TEMPORARY_PREFIX}{os.getpid()}-{next(_names)}"
            try:
                return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), path
            except FileExistsError:
                continue              # left by an earlier process with our pid

    def _name(self, tmp: Path, target: Path) -> None:
        self._ensure(target.parent)
        try:
            os.replace(tmp, target)   # atomic: readers see all or nothing; same content if it existed
        except FileNotFoundError:     # its directory was removed behind our back (a restore)
            self._made.discard(str(target.parent))
            self._ensure(target.parent)
            os.replace(tmp, target)

    def _ensure(self, directory: Path) -> None:
        key = str(directory)
        if key not in self._made:
            directory.mkdir(parents=True, exist_ok=True)
            self._made.add(key)

    def get(self, digest: str) -> bytes:
        return self.path_for(digest).read_bytes()

    def has(self, digest: str) -> bool:
        return self.path_for(digest).exists()
