"""Which pseudonymisation key a build uses: the configured one, or a development key kept
in the state folder."""

from __future__ import annotations

import logging
import stat
from pathlib import Path

import pytest

from mtqg_warehouse.publication import pseudonym_key


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MTQG_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("MTQG_PSEUDONYM_KEY", raising=False)
    return tmp_path / "state"


def test_configured_key_wins(state: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MTQG_PSEUDONYM_KEY", "a-long-enough-key-é")
    assert pseudonym_key.configured_key() == "a-long-enough-key-é".encode()
    assert not pseudonym_key.development_key_path().exists()


def test_short_key_is_refused(state: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MTQG_PSEUDONYM_KEY", "secret")
    with pytest.raises(pseudonym_key.WeakPseudonymKey, match="at least 16 bytes"):
        pseudonym_key.configured_key()


@pytest.mark.parametrize("unset", [None, ""])
def test_without_a_key_a_development_key_is_made_once_with_a_warning(
    state: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, unset: str | None
) -> None:
    if unset is not None:
        monkeypatch.setenv("MTQG_PSEUDONYM_KEY", unset)
    with caplog.at_level(logging.WARNING):
        first = pseudonym_key.configured_key()
    second = pseudonym_key.configured_key()
    path = pseudonym_key.development_key_path()
    assert first == second and len(first) == 64
    assert path.parent == state.resolve() and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "MTQG_PSEUDONYM_KEY is not set" in caplog.text
    assert first.decode() not in caplog.text
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no draft left behind
