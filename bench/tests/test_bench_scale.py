"""The file scaler: exact size, unique keys, valid card numbers, defects thinned to one copy in N."""

import csv

from bench.base import BaseRows, Manifest, column_order, read_csv_base
from bench.scale import CARD, bank_rekey, card_rekey, copies_needed, scaled_rows, write_scaled
from mtqg_warehouse.contracts.model import load_contract


def _bank_base() -> BaseRows:
    rows = [[f"GD{n:013d}", "acct", "x"] for n in range(10)]
    rows.insert(3, list(rows[2]))  # a planted duplicate right after its original
    return BaseRows(rows=rows, defect=[index == 3 for index in range(len(rows))])


def test_scaled_rows_reach_exactly_the_target():
    rows = list(scaled_rows(_bank_base(), 95, bank_rekey, defect_every=10))
    assert len(rows) == 95


def test_bank_keys_stay_unique_and_planted_duplicates_stay_duplicates():
    rows = [row for row, _ in scaled_rows(_bank_base(), 100, bank_rekey, defect_every=10)]
    keys = [row[0] for row in rows]
    repeated = {key for key in keys if keys.count(key) > 1}
    assert repeated == {"GD0000000000002"}  # only the planted one, in copy 0 (the one keeping defects)


def test_defect_rows_are_kept_in_one_copy_out_of_n():
    base = _bank_base()
    marks = [is_defect for _, is_defect in scaled_rows(base, 10 * 20, bank_rekey, defect_every=10)]
    assert sum(marks) == 2  # copies 0 and 10 of the 20 needed


def test_copies_needed_counts_defects_once_in_n():
    assert copies_needed(_bank_base(), 100, defect_every=10) >= 100 // 10


def test_card_rekey_keeps_numbers_valid_and_unique():
    rows = [["HN395" + f"95{n:08d}", "2023"] for n in range(0, 500, 7)] + [["9500000123", "2023"]]
    rows.append(["ZZ39512345", "2023"])  # a planted malformed card: left as it is
    base = BaseRows(rows=rows, defect=[False] * (len(rows) - 1) + [True])
    rekey = card_rekey(base, copies=50)
    out = [rekey(row, copy)[0] for copy in range(50) for row in rows[:-1]]
    assert len(set(out)) == len(out)
    assert all(CARD.match(card) for card in out)
    assert rekey(rows[-1], 5) == rows[-1]


def test_write_scaled_writes_the_contract_header_and_counts(tmp_path):
    base = _bank_base()
    made = write_scaled(tmp_path / "f.csv", ["A", "B", "C"], scaled_rows(base, 25, bank_rekey))
    with open(made.path, encoding="utf-8", newline="") as handle:
        lines = list(csv.reader(handle))
    assert lines[0] == ["A", "B", "C"] and len(lines) == 26 == made.rows + 1
    assert made.defect_rows == 1 and made.bytes == made.path.stat().st_size


def test_base_reads_reordered_columns_in_contract_order_and_marks_defects(tmp_path):
    (table,) = load_contract("bank").tables.values()
    headers = [column.header_vi for column in table.columns]
    values = [f"v{index}" for index in range(len(headers))]
    reversed_file = tmp_path / "vbsp_954_20230103.csv"
    with open(reversed_file, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([headers[::-1], values[::-1], values[::-1]])
    (tmp_path / "vbsp_954_20230104.csv").write_text("", encoding="utf-8")  # an empty v1
    manifest = Manifest(frozenset({"vbsp_954_20230104.csv"}), frozenset({("vbsp_954_20230103.csv", 3)}))
    base = read_csv_base(tmp_path, table, manifest)
    assert base.rows == [values, values] and base.defect == [False, True]


def test_unknown_header_is_not_guessed():
    (table,) = load_contract("bank").tables.values()
    assert column_order(["not", "the", "header"], table) is None
