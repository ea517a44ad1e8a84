"""Superset's local settings: secrets from the environment, else generated once, owner-only."""

from __future__ import annotations

from pathlib import Path

import pytest

from mtqg_warehouse.bi.settings import ADMIN_PASSWORD_VAR, SECRET_KEY_VAR, VENV_VAR, SupersetHome


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SupersetHome:
    monkeypatch.setenv("MTQG_STATE_DIR", str(tmp_path / "state"))
    for variable in (ADMIN_PASSWORD_VAR, SECRET_KEY_VAR, VENV_VAR):
        monkeypatch.delenv(variable, raising=False)
    return SupersetHome.default()


def test_development_secrets_are_generated_once_and_kept_private(home: SupersetHome) -> None:
    password, key = home.admin_password(), home.secret_key()
    assert len(password) >= 20 and len(key) >= 40 and password != key
    assert SupersetHome.default().admin_password() == password  # the same on the next run
    for path in home.root.glob("*.dev"):
        assert path.stat().st_mode & 0o777 == 0o600


def test_the_environment_wins(home: SupersetHome, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ADMIN_PASSWORD_VAR, "from-the-operator")
    assert home.admin_password() == "from-the-operator"
    assert not (home.root / "admin.password.dev").exists()
    environment = home.environment()
    assert environment["SUPERSET_CONFIG_PATH"].endswith("bi/superset/superset_config.py")
    assert environment["SUPERSET_METADATA_URI"] == f"sqlite:///{home.root / 'superset.db'}"


def test_the_venv_may_live_elsewhere(
    home: SupersetHome, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert home.venv == home.root / "venv"
    monkeypatch.setenv(VENV_VAR, str(tmp_path / "shared-venv"))
    assert SupersetHome.default().venv == tmp_path / "shared-venv"
