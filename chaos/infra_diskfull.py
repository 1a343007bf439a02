"""The disk-full fault, run inside a private mount namespace (`unshare -m` as root, `unshare -Urm` otherwise):
`python -m chaos.infra_diskfull '<json>'`.

A tmpfs of `size` bytes is mounted on `inbox` (the store's SQLite file and the acknowledgements live there) and
filled up to `headroom` bytes; the run then fails when its writes reach ENOSPC. A probe write proves the disk is
really full; the filler is removed (space freed) and the operator's re-run follows. Prints one JSON object: each
run's exit code and last lines, the probe's errno, and the open quarantine's external ids.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from pathlib import Path

from chaos.infra_kit import open_quarantine, run


def _fill(folder: Path, headroom: int) -> Path:
    """A filler file leaving `headroom` bytes free on the file system of `folder`."""
    stat = os.statvfs(folder)
    free = stat.f_bavail * stat.f_frsize
    filler = folder / "filler"
    with open(filler, "wb") as out:
        out.truncate(0)
        out.write(b"\0" * max(0, free - headroom))
    return filler


def _probe(folder: Path) -> int:
    """The errno of a 64 KiB write on the full file system (0: it fitted)."""
    try:
        with open(folder / "probe", "wb") as out:
            out.write(b"x" * 65536)
            out.flush()
            os.fsync(out.fileno())
    except OSError as exc:
        return exc.errno or -1
    finally:
        (folder / "probe").unlink(missing_ok=True)
    return 0


def main(spec: dict) -> dict:
    inbox, scratch = Path(spec["inbox"]), Path(spec["scratch"])
    inbox.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={spec['size']}", "tmpfs", str(inbox)], check=True)
    store_url = f"sqlite:///{inbox / 'ofm.db'}"
    env = {**spec["env"], "OFM_DATABASE_URL": store_url, "OFM_ACK_DIR": str(inbox / "acks")}
    from ofm.store import Store

    store = Store(store_url)
    store.migrate()
    store.close()
    filler = _fill(inbox, spec["headroom"])
    args = ["supplier-onboarding", "--source", spec["source"]]
    first = run(args, env, scratch)
    probe = _probe(inbox)
    filler.unlink()
    second = run(args, env, scratch)
    used = sum(f.stat().st_size for f in inbox.rglob("*") if f.is_file())
    return {"store_bytes": used, "first_exit": first.code, "first_tail": first.tail(12), "probe_errno": probe,
            "enospc": probe == errno.ENOSPC, "rerun_exit": second.code, "rerun_tail": second.tail(4),
            "rerun": second.result, "quarantined": sorted(open_quarantine(store_url))}


def command(spec: dict) -> list[str]:
    """The command that runs `main(spec)` in a mount namespace of its own, root or not."""
    unshare = ["unshare", "-m"] if os.geteuid() == 0 else ["unshare", "-Urm"]
    return [*unshare, sys.executable, "-m", "chaos.infra_diskfull", json.dumps(spec)]


if __name__ == "__main__":
    sys.stdout.write(json.dumps(main(json.loads(sys.argv[1]))) + "\n")
