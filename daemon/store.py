"""Content-addressed file store for raw messages and attachments: a blob is named by its
SHA-256, so writing it twice is harmless and a crash never leaves a half-named file.
Callers keep only the digest; user-supplied file names never become paths."""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Iterable


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path_for(self, digest: str) -> Path:
        if len(digest) != 64 or not all(c in "0123456789abcdef" for c in digest):
            raise ValueError(f"not a sha256 digest: {digest!r}")
        return self.root / "objects" / digest[:2] / digest

    def put(self, data: bytes, digest: str | None = None) -> str:
        digest = digest or hashlib.sha256(data).hexdigest()
        target = self.path_for(digest)
        if target.exists():
            return digest
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, target)           # atomic: readers see all or nothing
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return digest

    def put_stream(self, chunks: Iterable[bytes]) -> tuple[str, int]:
        """(digest, size) of the concatenated chunks, written to a temporary file while
        hashing and then named by the digest: a large blob is never held whole."""
        objects = self.root / "objects"
        objects.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=objects, prefix=".tmp-")
        hasher, size = hashlib.sha256(), 0
        try:
            with os.fdopen(fd, "wb") as handle:
                for chunk in chunks:
                    hasher.update(chunk)
                    size += len(chunk)
                    handle.write(chunk)
            target = self.path_for(hasher.hexdigest())
            target.parent.mkdir(exist_ok=True)
            os.replace(tmp, target)           # same content if it existed: harmless
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return hasher.hexdigest(), size

    def get(self, digest: str) -> bytes:
        return self.path_for(digest).read_bytes()

    def has(self, digest: str) -> bool:
        return self.path_for(digest).exists()
