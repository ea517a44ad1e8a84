"""Errors that name the file and what is wrong with it, for the task log and the sender."""

from __future__ import annotations

from pathlib import Path


class FileRejected(Exception):
    """The file as a whole cannot be read: it goes to quarantine, the batch goes on."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(f"{path.name}: {problem}")
        self.path = path
        self.problem = problem


class FileChanged(FileRejected):
    """The file changed while it loaded: its load is rolled back and it stays in the inbox."""


class BatchHadQuarantines(Exception):
    """Raised after the whole batch ran, so one bad file never blocks the others."""
