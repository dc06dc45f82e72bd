"""``board-server backup`` and ``board-server restore``: one workshop to one
portable file (``backup_file``), and back into a store of either kind.

A restore reads and checks the whole file before it opens the store, so a
bad file changes nothing; then it refuses a workshop whose id is there
already (unless replacing it) or whose join code another workshop has.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

from board_server.backup_file import Backup, BackupError, from_bytes, to_bytes
from board_server.config import Config
from board_server.storage import StoreError
from board_server.storage.dump import WorkshopDump
from board_server.storage.open import open_store, store_exists


def run_backup(config: Config, workshop_id: str, output: str) -> int:
    """``board-server backup``: 0 once the file is written, 2 if there is no such
    workshop, 1 if the store fails."""
    if not store_exists(config):
        print(f"error: no workshops are kept in {config.data_dir.resolve()}: "
              "pass the server's --data-dir", file=sys.stderr)  # fmt: skip
        return 2
    try:
        dump = asyncio.run(_read(config, workshop_id))
    except StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if dump is None:
        print(f"error: no workshop has the id {workshop_id!r}", file=sys.stderr)
        return 2
    try:
        _write_private(Path(output), to_bytes(Backup(time.time(), dump)))
    except OSError as exc:
        print(f"error: cannot write {output}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    w = dump.workshop
    print(
        f"Wrote a backup of workshop {w.id} ({w.title!r}) to {output}. "
        "It holds names, drafts and hidden notes: keep it like the database."
    )
    return 0


def run_restore(config: Config, path: str, *, replace: bool) -> int:
    """``board-server restore``: 0 once restored, 2 for a file that is not a
    backup or a workshop that may not be restored here, 1 if the store fails."""
    try:
        backup = from_bytes(Path(path).read_bytes())
    except OSError as exc:
        print(f"error: cannot read {path}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except BackupError as exc:
        print(f"error: {path}: {exc}", file=sys.stderr)
        return 2
    try:
        refusal = asyncio.run(_restore(config, backup.dump, replace=replace))
    except StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if refusal is not None:
        print(f"error: {refusal}", file=sys.stderr)
        return 2
    w = backup.dump.workshop
    print(
        f"Restored workshop {w.id} ({w.title!r}, join code {w.join_code}). Links and tokens "
        "made by the old server open it only if this server uses the same --secret."
    )
    return 0


async def _read(config: Config, workshop_id: str) -> WorkshopDump | None:
    store = open_store(config)
    await store.start()
    try:
        return await store.dump_workshop(workshop_id)
    finally:
        await store.close()


async def _restore(config: Config, dump: WorkshopDump, *, replace: bool) -> str | None:
    """Load the dump into the configured store; why not, if it may not be."""
    w = dump.workshop
    store = open_store(config)
    await store.start()
    try:
        existing = await store.get_workshop(w.id)
        if existing is not None and not replace:
            return (f"a workshop with the id {w.id} is here already ({existing.title!r}): "
                    "pass --replace to delete it and restore the backup in its place")  # fmt: skip
        holder = await store.find_workshop_by_code(w.join_code)
        if holder is not None and holder.id != w.id:
            return (f"the join code {holder.join_code} is taken here by workshop {holder.id} "
                    f"({holder.title!r})")  # fmt: skip
        if existing is not None:
            await store.delete_workshop(w.id)
        await store.load_workshop(dump)
        return None
    finally:
        await store.close()


def _write_private(path: Path, data: bytes) -> None:
    """Write the file readable by its owner only (mode 0600), whole or not at all."""
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
