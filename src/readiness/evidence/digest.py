"""The sha256 of an evidence file, with nothing but hashlib: `inspect` starts hashing a big
file in a thread before the rest of the evidence layer is even imported."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

HASH_BLOCK = 16 << 20  # bytes read and hashed at a time
OVERLAP_BYTES = 1 << 20  # 1 MiB of files: below it a thread costs more than hashing in line


def sha256_file(path: Path) -> str:
    """The sha256 of a file, read into one buffer of HASH_BLOCK at a time. Big blocks matter
    in a thread: reading and hashing release the GIL, but the loop takes it back between
    blocks and waits up to the switch interval (5 ms) for it while another thread runs
    Python, so 1 MiB blocks hashed a big file at a fraction of the speed of 16 MiB ones."""
    h = hashlib.sha256()
    with path.open("rb", buffering=0) as fh:
        size = os.fstat(fh.fileno()).st_size
        block = bytearray(min(HASH_BLOCK, size + 1))  # +1: a small file in one read
        view = memoryview(block)
        while got := fh.readinto(block):
            h.update(view[:got])
    return h.hexdigest()
