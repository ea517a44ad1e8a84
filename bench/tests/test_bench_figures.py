"""The bench's arithmetic and its last line: what ``make bench`` readers and scripts rely on."""

import json

import pytest

from bench import figures


def test_rows_per_s_is_whole_rows():
    assert figures.rows_per_s(2_000_000, 7.59) == 263_505


def test_a_zero_timing_is_refused_not_reported_as_infinitely_fast():
    with pytest.raises(ValueError):
        figures.rows_per_s(10, 0.0)


def test_timing_keeps_every_run_and_uses_the_median():
    figure = figures.timing(1_000, [3.0, 1.0, 2.0])
    assert figure == {"runs_s": [3.0, 1.0, 2.0], "median_s": 2.0, "rows_per_s": 500}


def test_ratio_of_loader_to_copy_against_the_target():
    headline = figures.compared({"rows_per_s": 263_600}, {"rows_per_s": 400_000}, {"rows_per_s": 200_000})
    assert headline == {
        "ratio_loader_to_copy": 0.759,
        "ratio_loader_to_bare_copy": 0.5,
        "target_ratio": 0.7,
        "meets_target": True,
    }


def test_the_target_applies_to_the_identical_table_not_the_bare_one():
    below = figures.compared({"rows_per_s": 100}, {"rows_per_s": 69}, {"rows_per_s": 69})
    assert not below["meets_target"] and below["ratio_loader_to_bare_copy"] == 1.0
    met = figures.compared({"rows_per_s": 100}, {"rows_per_s": 1_000}, {"rows_per_s": 70})
    assert met["meets_target"] and met["ratio_loader_to_bare_copy"] == 0.07


def test_yardstick_names_both_copy_tables():
    assert "identical to the loader's raw table" in figures.YARDSTICK
    assert "copy_bare: into a table of the contract's text columns only" in figures.YARDSTICK


def test_json_line_is_one_line_that_parses_back():
    payload = {"bank": {"rows": 3}, "reason": "line one\nline two", "sheet": "Rà soát"}
    line = figures.json_line(payload)
    assert "\n" not in line
    assert json.loads(line) == payload
    assert "Rà soát" in line  # readable, not \\u-escaped


def test_figure_line_reads_as_rows_seconds_and_rate():
    line = figures.figure_line("bank: psql \\copy", 2_000_000, {"median_s": 7.59, "rows_per_s": 263_505})
    assert "2,000,000 rows" in line and "7.59 s" in line and "263,505 rows/s" in line
