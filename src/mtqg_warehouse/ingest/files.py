"""Finding, fingerprinting and moving delivered files.

The inbox is untrusted: only regular files whose names match the feed's contract are taken,
and every path is resolved and checked to stay inside the feed's folder.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import logging
import os
import shutil
import signal
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from mtqg_warehouse.config import archive_dir, inbox_dir, inbox_quiet_seconds, quarantine_dir
from mtqg_warehouse.contracts.file_names import DeliveryName, FileNameRefused
from mtqg_warehouse.contracts.model import FeedContract
from mtqg_warehouse.ingest import messages

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 2 * 1024**3
_HASHING = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sha256")
NAME_MAX_BYTES = 255  # one path component on ext4, xfs, btrfs and tmpfs
ARCHIVE_PREFIX_HEX = 12  # _move puts this many hex digits of the sha256 and "_" in front
ARCHIVE_PREFIX_BYTES = ARCHIVE_PREFIX_HEX + 1
# Files written beside an archived or quarantined file: quarantine below, ingest/report.py.
SIDECAR_SUFFIXES = (".error.txt", ".rejections.csv")
LONGEST_NAME_BYTES = NAME_MAX_BYTES - ARCHIVE_PREFIX_BYTES - max(map(len, SIDECAR_SUFFIXES))


HASH_BLOCK = 1 << 20
F_SETSIG = getattr(fcntl, "F_SETSIG", 10)  # Linux's value, for Pythons that do not name it


@dataclass(frozen=True)
class FileStamp:
    """What says a file is the one that was discovered: a sender rewriting, truncating or
    appending to it changes its size or modification time (nanoseconds), a replacement its
    inode."""

    size: int
    mtime_ns: int
    ctime_ns: int
    inode: int

    @classmethod
    def of(cls, path: Path) -> FileStamp | None:
        try:
            stat = path.stat()
        except FileNotFoundError:
            return None
        return cls(stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)


@dataclass(frozen=True)
class Delivery:
    feed: str
    path: Path
    fingerprint: Future[str]  # sha256, computed in the background (see discover)
    period: str | None
    ward_code: str | None
    size: int
    version: int = 1  # _v2 / _02 in the name: a corrected resubmission of the same period
    kind: str | None = None  # the contract's kind of file (ward returns: ra_soat, bao_cao)
    sender_code: str | None = None  # the code the contract names as sender: ward, office, province
    stamp: FileStamp | None = None  # taken before the file is hashed or read

    def changed(self) -> bool:
        """Whether the file is no longer the one discovered: its hash and the rows read may
        describe a version that no longer exists, so its load must not stand."""
        return self.stamp is None or FileStamp.of(self.path) != self.stamp

    def still_arriving(self) -> bool:
        """Whether the sender may not have finished the file: it changed since it was
        discovered, or an upload still holds it open for writing. An upload that stalls at
        a line end leaves a file of whole rows that changes nothing while it loads; loaded
        then, the rest would be written into the archived file, neither loaded nor rejected.
        Where the kernel cannot tell (``open_for_writing`` is None) the file must have been
        left unchanged for ``inbox_quiet_seconds``."""
        if self.changed():
            return True
        writing = open_for_writing(self.path)
        if writing is not None:
            return writing
        assert self.stamp is not None  # changed() is True without one
        return time.time() - self.stamp.mtime_ns / 1e9 < inbox_quiet_seconds()

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def delivery_key(self) -> tuple[str, str | None, str | None, str | None]:
        """What a later version replaces: the same feed, kind, sender and period, never
        another sender's file of the same day (supersession compares this, not ward_code)."""
        return (self.feed, self.kind, self.sender_code, self.period)

    @property
    def sha256(self) -> str:
        """The file's sha256; waits for the background hashing if it has not finished."""
        return self.fingerprint.result()


def feed_inbox(feed: str) -> Path:
    return inbox_dir() / feed


def discover(
    contract: FeedContract, inbox: Path | None = None, period: str | None = None
) -> tuple[list[Delivery], list[str]]:
    """Deliveries waiting in the feed's inbox, oldest name first, and the names refused; only
    ``period``'s files (by prefix, for backfills) when it is given.

    Refused names (hostile, unexpected, symlinks, oversized) are reported, never opened.
    Each file taken is hashed on a background thread, in order, so a file's load need not
    wait for its sha256 (hashing releases the GIL while the loader parses and COPYs); files
    of other periods are left unread.
    """
    folder = (inbox or feed_inbox(contract.feed)).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    deliveries: list[Delivery] = []
    refused: list[str] = []
    for entry in sorted(folder.iterdir()):
        parsed = _accepted(entry, folder, contract)
        if isinstance(parsed, str):
            log.warning("refused %r in %s: %s", entry.name, folder, parsed)
            refused.append(f"{_shown(entry.name)}: {parsed}")
            continue
        if period is not None and not parsed.period.startswith(period):
            continue
        deliveries.append(_delivery(contract, entry, parsed))
    return deliveries, refused


def _delivery(contract: FeedContract, entry: Path, parsed: DeliveryName) -> Delivery:
    stamp = FileStamp.of(entry)  # before hashing starts, so any later change is seen
    return Delivery(
        feed=contract.feed,
        path=entry,
        fingerprint=_HASHING.submit(fingerprint, entry),
        period=parsed.period,
        ward_code=parsed.code("ward_code"),
        size=entry.stat().st_size,
        version=parsed.version or 1,
        kind=parsed.kind,
        sender_code=parsed.sender,
        stamp=stamp,
    )


def _shown(name: str) -> str:
    """The name as sent, quoted when it holds a line break or other unprintable character."""
    return name if name.isprintable() else repr(name)


def _accepted(entry: Path, folder: Path, contract: FeedContract) -> DeliveryName | str:
    """The parsed name of a file the feed takes, or why it is refused."""
    if entry.name.startswith("."):
        return messages.HIDDEN_FILE
    if entry.is_symlink():
        return messages.SYMBOLIC_LINK
    if not entry.is_file():
        return messages.NOT_A_FILE
    if entry.resolve().parent != folder:
        return messages.ESCAPES_INBOX
    problem = name_problem(entry.name)
    if problem:
        return problem
    try:
        parsed = contract.file_names.parse(entry.name)
    except FileNameRefused as err:
        return str(err)
    if entry.stat().st_size > MAX_FILE_BYTES:
        return messages.FILE_TOO_LARGE.format(size=entry.stat().st_size, limit=MAX_FILE_BYTES)
    return parsed


def name_problem(name: str) -> str | None:
    """Why a name cannot be archived, found before anything is loaded (a file loaded and
    committed whose archive move then fails would be loaded again on every run)."""
    size = len(name.encode("utf-8", "surrogateescape"))
    if size > LONGEST_NAME_BYTES:
        return messages.NAME_TOO_LONG.format(
            size=size, added=NAME_MAX_BYTES - LONGEST_NAME_BYTES, limit=NAME_MAX_BYTES
        )
    return None


def open_for_writing(path: Path) -> bool | None:
    """Whether a process on this machine holds the file open for writing, asked of the
    kernel: it grants a read lease only when none does (Linux ``F_SETLEASE``). None where it
    cannot say: a network file system, or another user's file without ``CAP_LEASE``.

    The lease is returned at once. A sender opening the file meanwhile makes the kernel
    signal the holder, by default with SIGIO, which ends a process: SIGURG instead, which a
    process ignores unless it asks for it."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        fcntl.fcntl(descriptor, F_SETSIG, signal.SIGURG)
        fcntl.fcntl(descriptor, fcntl.F_SETLEASE, fcntl.F_RDLCK)
    except OSError as err:
        return True if err.errno == errno.EAGAIN else None
    else:
        fcntl.fcntl(descriptor, fcntl.F_SETLEASE, fcntl.F_UNLCK)
        return False
    finally:
        os.close(descriptor)


def fingerprint(path: Path) -> str:
    """sha256 of the file, read in blocks into one reused buffer. Never from a memory map:
    a sender truncating the file while it is hashed would kill the process (SIGBUS); a
    short read instead gives a hash that the file's changed stamp then disowns."""
    digest = hashlib.sha256()
    block = bytearray(HASH_BLOCK)
    view = memoryview(block)
    with open(path, "rb") as handle:
        while read := handle.readinto(block):
            digest.update(view[:read])
    return digest.hexdigest()


def archive(delivery: Delivery) -> Path:
    """Move a processed file out of the inbox; the sha256 prefix keeps re-deliveries apart."""
    return _move(delivery, archive_dir() / delivery.feed)


def quarantine(delivery: Delivery, problem: str) -> Path:
    target = _move(delivery, quarantine_dir() / delivery.feed)
    target.with_name(target.name + ".error.txt").write_text(
        f"file: {delivery.name}\nsha256: {delivery.sha256}\nproblem: {problem}\n", encoding="utf-8"
    )
    return target


def _move(delivery: Delivery, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{delivery.sha256[:ARCHIVE_PREFIX_HEX]}_{delivery.name}"
    shutil.move(str(delivery.path), target)
    return target
