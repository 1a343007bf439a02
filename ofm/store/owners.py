"""Who owns an outbox key, and whether that owner can still be alive.

An owner is `<run id>@<hostname>/<pid>`. A key's owner is the only run allowed to send it to Odoo
until its lease ends. Before the lease ends, another run may take the key over only when it can
know the owner is dead: on this host, a pid that no longer exists is dead; this process's own
pid is alive only while its run id is registered here (a run that raised or was interrupted in
this process left it). On another host nothing can be known: only the lease's end frees its keys.
"""

from __future__ import annotations

import os
import socket
import threading

_LIVE: set[str] = set()
_GUARD = threading.Lock()
HOST = socket.gethostname()


def owner_of(run_id: str) -> str:
    """The owner string of a run of this process."""
    return f"{run_id}@{HOST}/{os.getpid()}"


def register(run_id: str) -> None:
    """The run is live in this process: its keys are not taken over while it runs."""
    with _GUARD:
        _LIVE.add(run_id)


def unregister(run_id: str) -> None:
    """The run ended (or died): its keys may be taken over at once by a run on this host."""
    with _GUARD:
        _LIVE.discard(run_id)


def _pid_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, belongs to someone else
        return True
    except OSError:
        return True  # cannot tell: treat as alive, the lease decides
    return True


def is_dead(owner: str) -> bool:
    """True when the owner is known to be dead; False when alive or unknowable (another host)."""
    run_id, at, place = owner.rpartition("@")
    host, slash, pid_text = place.rpartition("/")
    if not at or not slash or not pid_text.isdigit() or host != HOST:
        return False
    pid = int(pid_text)
    if pid != os.getpid():
        return not _pid_exists(pid)
    with _GUARD:
        return run_id not in _LIVE
