"""The CSV feeds' section and its psql commands: two COPY yardsticks, the loader, the ratios."""

import json
from pathlib import Path

import pytest

from bench import csv_feeds, figures, timed
from bench.scale import ScaledFile
from bench.timed import LoaderRun
from mtqg_warehouse.contracts.model import load_contract

MADE = ScaledFile(path=Path("/tmp/vbsp_954_20230102.csv"), rows=1_000, defect_rows=2, bytes=123_456)


def _load(seconds: float) -> LoaderRun:
    return LoaderRun(seconds=seconds, rows_read=1_000, rows_loaded=998, rows_rejected=2, files_loaded=1)


def _bank_table():
    (table,) = load_contract("bank").tables.values()
    return table


def test_section_has_both_copies_the_loader_and_both_ratios(capsys):
    section = csv_feeds.summarise("bank", MADE, [1.0, 2.0, 3.0], [0.5, 1.0, 1.5], [_load(4.0)] * 3, None)
    assert section["copy"] == {"runs_s": [1.0, 2.0, 3.0], "median_s": 2.0, "rows_per_s": 500}
    assert section["copy_bare"] == {"runs_s": [0.5, 1.0, 1.5], "median_s": 1.0, "rows_per_s": 1_000}
    assert section["loader"]["rows_per_s"] == 250 and section["loader"]["rows_loaded"] == 998
    assert section["ratio_loader_to_copy"] == 0.5  # the headline: against the identical table
    assert section["ratio_loader_to_bare_copy"] == 0.25
    assert section["target_ratio"] == 0.7 and section["meets_target"] is False
    assert section["yardstick"] == figures.YARDSTICK
    assert json.loads(figures.json_line(section)) == section
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("bank: psql \\copy, identical table") and "500 rows/s" in out[0]
    assert out[1].startswith("bank: psql \\copy, bare text table") and "1,000 rows/s" in out[1]
    assert out[2].startswith("bank: ingest_feed") and "250 rows/s" in out[2]
    assert "loader / copy rows/s = 0.500" in out[3] and "target >= 0.7" in out[3]
    assert "loader / bare copy rows/s = 0.250" in out[4] and "no target" in out[4]


def test_a_failing_loader_keeps_both_copy_figures(capsys):
    section = csv_feeds.summarise("insurance", MADE, [1.0], [0.5], [], "RuntimeError: boom")
    assert section["copy"]["rows_per_s"] == 1_000 and section["copy_bare"]["rows_per_s"] == 2_000
    assert section["loader"] == "unavailable"
    assert section["loader_unavailable_reason"] == "RuntimeError: boom"
    assert "ratio_loader_to_copy" not in section and "ratio_loader_to_bare_copy" not in section
    assert "insurance: ingest_feed unavailable: RuntimeError: boom" in capsys.readouterr().out


def test_raw_copy_sets_the_load_id_and_resets_the_sequence_then_copies_into_the_raw_table():
    reset, copy = timed.raw_copy_commands("raw_bank", _bank_table(), Path("/data/it's.csv"))
    assert reset == (
        "select set_config('mtqg.load_id', '1', false), setval('\"raw_bank\".\"loan_events__row_number\"', 1)"
    )
    assert copy.startswith('\\copy "raw_bank"."loan_events" ("transaction_id", "loan_account", ')
    assert copy.endswith(""""is_overdue") from '/data/it''s.csv' with (format csv, header true)""")


def test_copy_command_quotes_every_identifier():
    table = _bank_table()
    command = timed.copy_command('we"ird', table, Path("/data/f.csv"))
    assert command.startswith('\\copy "we""ird"."loan_events" (')
    assert command.count('"') == 2 * len(table.column_names) + 6


def test_a_path_with_a_line_break_is_refused():
    with pytest.raises(ValueError):
        timed.copy_command("bench_copy", _bank_table(), Path("/data/a\nb.csv"))


def test_raw_copy_check_wants_every_row_numbered_from_the_first_data_line_under_the_load_id():
    timed.check_raw_copy((3, 2, 4, 1, 1), 3)
    with pytest.raises(RuntimeError, match="loaded 2 rows"):
        timed.check_raw_copy((2, 2, 3, 1, 1), 3)
    with pytest.raises(RuntimeError, match="_row_number 1..3"):
        timed.check_raw_copy((3, 1, 3, 1, 1), 3)
    with pytest.raises(RuntimeError, match="_load_id"):
        timed.check_raw_copy((3, 2, 4, 1, 2), 3)


def test_bench_bank_rows_are_dated_the_files_day() -> None:
    """The contract rejects a bank event dated another day than its file's."""
    from datetime import date

    from bench.scale import bank_rekey

    dated = csv_feeds.on_file_day(bank_rekey, 1, date(2023, 1, 2))
    assert dated(["GD1", "17/05/2023"], 1) == ["GD1-001", "02/01/2023"]
    assert dated(["GD2", "31/02/2023"], 0) == ["GD2", "31/02/2023"]  # a planted bad date stays bad
    assert dated(["GD3", "2023-05-17x"], 0) == ["GD3", "2023-05-17x"]
