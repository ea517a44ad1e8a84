"""Ingestion: every delivered file ends up in its raw schema or in quarantine, exactly once."""
