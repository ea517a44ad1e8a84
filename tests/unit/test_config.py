import pytest

from mtqg_warehouse.config import WarehouseTarget


def test_url_parts_are_split_for_dbt_and_gx():
    target = WarehouseTarget.from_url("postgresql://ana:s%40cret@db.example:6543/warehouse")
    assert target == WarehouseTarget("db.example", 6543, "ana", "s@cret", "warehouse")


def test_defaults_fill_missing_parts():
    target = WarehouseTarget.from_url("postgresql:///")
    assert (target.host, target.port, target.user, target.dbname) == (
        "localhost",
        5432,
        "postgres",
        "postgres",
    )


def test_round_trip_keeps_the_database():
    url = "postgresql://postgres@127.0.0.1:5432/test"
    assert WarehouseTarget.from_url(url).url() == url
    assert WarehouseTarget.from_url(url).url("other").endswith("/other")


def test_non_postgres_url_is_refused():
    with pytest.raises(ValueError, match="postgresql://"):
        WarehouseTarget.from_url("mysql://root@localhost/test")


def test_retention_is_a_setting_of_at_least_one(monkeypatch) -> None:
    from mtqg_warehouse.config import keep_publications

    monkeypatch.delenv("MTQG_KEEP_PUBLICATIONS", raising=False)
    assert keep_publications() == 3
    monkeypatch.setenv("MTQG_KEEP_PUBLICATIONS", "5")
    assert keep_publications() == 5
    for wrong in ("0", "-1", "three"):
        monkeypatch.setenv("MTQG_KEEP_PUBLICATIONS", wrong)
        with pytest.raises(ValueError, match="MTQG_KEEP_PUBLICATIONS"):
            keep_publications()
