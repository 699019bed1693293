"""Give the C heap's free pages back to the system once start-up is over.

Start-up allocates and frees far more than the service keeps: the lexicon is read in a
worker thread (glibc gives that thread its own arena), the database is checked, modules
are imported. glibc returns freed memory to the system only from the top of the main
heap, so those freed pages stay resident for the life of the process unless
``malloc_trim`` is asked. Without glibc (musl, macOS) `release_free_memory` does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util

import structlog

log = structlog.get_logger(__name__)


def release_free_memory() -> None:
    """Ask glibc to return every free page it holds, in every arena."""
    name = ctypes.util.find_library("c")
    if name is None:
        return
    trim = getattr(ctypes.CDLL(name), "malloc_trim", None)
    if trim is None:
        return
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    log.debug("heap_trimmed", released=bool(trim(0)))
