"""What a faulty build writes, for the tests that check a failed audit publishes nothing.

The card fact is versioned (docs/publications.md): its rows live once in
`facts.fct_insurance_cards`, shared by every publication, and a build replaces rows by
stamping the old ones retired and adding new ones under its own publication number. A test
that spoils a build must write there the same way, never through the publication's view
(which would change the rows the published publication shows too).
"""

from __future__ import annotations

import psycopg


def restate_cards_wrongly(url: str, schema: str) -> None:
    """Every current card restated by build ``schema`` with an impossible budget share (150 %)."""
    publication_id = int(schema.removeprefix("pub_"))
    with psycopg.connect(url, autocommit=True) as conn, conn.transaction():
        conn.execute(
            "create temp table restated as select * from facts.fct_insurance_cards where _retired_in is null"
        )
        conn.execute(
            "update facts.fct_insurance_cards set _retired_in = %s where _retired_in is null",
            [publication_id],
        )
        conn.execute("update restated set state_budget_share_pct = 150, _added_in = %s", [publication_id])
        conn.execute("insert into facts.fct_insurance_cards select * from restated")
