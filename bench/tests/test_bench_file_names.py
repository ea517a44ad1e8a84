"""The bench names its files as the contracts do, so the loader takes them like any delivery."""

from pathlib import Path

import pytest

from bench import csv_feeds, ward_returns
from bench.base import Manifest
from mtqg_warehouse.contracts.model import load_contract


@pytest.mark.parametrize("feed", ["bank", "insurance"])
def test_bench_csv_files_carry_names_the_contract_accepts(feed: str) -> None:
    parsed = load_contract(feed).file_names.parse(csv_feeds.file_name(feed))
    assert parsed.period.startswith("2023") and parsed.version is None


def test_review_workbooks_are_chosen_by_the_kind_in_their_contract_name(tmp_path: Path) -> None:
    folder = tmp_path / "ward_returns"
    folder.mkdir()
    names = ["ra_soat_31825_2023.xlsx", "ra_soat_31825_2023_v2.xlsx", "bao_cao_31825_202301.xlsx"]
    names += ["ra_soat_31828_2023.xlsx", "ra_soat_notes.xlsx", "ra_soat_31831_20231.xlsx"]
    for name in names:
        (folder / name).write_bytes(b"")
    manifest = Manifest(frozenset({"ra_soat_31825_2023.xlsx"}), frozenset())
    chosen = [path.name for path in ward_returns.review_workbooks(tmp_path, manifest)]
    assert chosen == ["ra_soat_31825_2023_v2.xlsx", "ra_soat_31828_2023.xlsx"]
