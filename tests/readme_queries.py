"""SQL the README prints, taken from it as printed, so the tests run what readers copy."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"
LINEAGE_MARKER = "(a test runs this query as printed)"


def lineage_query() -> str:
    """The query that takes one published figure back to its files, sheets and rows."""
    text = README.read_text(encoding="utf-8")
    found = re.search(r"```sql\n(.*?)```", text[text.index(LINEAGE_MARKER) :], re.DOTALL)
    assert found is not None, "the README's lineage query is gone"
    return found.group(1)
