"""Where bi_reader's password comes from: the setting, or on the embedded server a development one."""

from __future__ import annotations

from pathlib import Path

import pytest

from mtqg_warehouse.publication import reader_role


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MTQG_STATE_DIR", str(tmp_path))
    monkeypatch.delenv("BI_READER_PASSWORD", raising=False)
    (tmp_path / "postgres").mkdir()
    (tmp_path / "postgres" / "port").write_text("54999\n")
    return tmp_path


def test_configured_password_wins_everywhere(state: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BI_READER_PASSWORD", "s3cret/with:odd@chars")
    assert reader_role.reader_password("db.example", 5432) == "s3cret/with:odd@chars"
    url = reader_role.reader_url("postgresql://builder:x@db.example:5433/warehouse")
    assert url == "postgresql://bi_reader:s3cret%2Fwith%3Aodd%40chars@db.example:5433/warehouse"


def test_development_password_only_on_the_embedded_server(state: Path) -> None:
    assert reader_role.reader_password("db.example", 5432) is None
    assert reader_role.reader_password("127.0.0.1", 5432) is None  # another server on this machine
    assert reader_role.reader_url("postgresql://postgres@127.0.0.1:5432/warehouse") is None
    first = reader_role.reader_password("127.0.0.1", 54999)
    assert first and len(first) >= 24
    assert reader_role.reader_password("localhost", 54999) == first  # kept, not regenerated
    path = reader_role.development_password_path()
    assert path.parent == state and oct(path.stat().st_mode & 0o777) == "0o600"
