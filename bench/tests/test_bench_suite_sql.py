"""The marts suites' checks compiled to plain SQL count the rows GX would call unexpected, run
against a real PostgreSQL table planted with one failing row per check."""

from collections.abc import Iterator

import pytest
from psycopg import sql

from bench import suite_sql
from bench.server import open_server

ROWS = [
    # id, code, share, grp, valid_from, valid_to
    (1, "31813", 50, "HN", "2024-01-01", "2024-12-31"),
    (2, "31813", 100, "CN", "2024-01-01", "2024-01-01"),  # a = b: passes with or_equal only
    (2, "3181X", 101, "ZZ", "2024-06-01", "2024-01-01"),  # repeated id, bad code, over 100, bad group, a < b
    (None, None, None, None, None, None),  # nulls: only not-null fails, pair ignored (both missing)
]


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    import psycopg

    server = open_server()
    url = server.create_database()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("create schema pub_test")
        conn.execute(
            "create table pub_test.cards "
            "(id int, code text, share numeric, grp text, valid_from date, valid_to date)"
        )
        with conn.cursor().copy("copy pub_test.cards from stdin") as copy:
            for row in ROWS:
                copy.write_row(row)
    yield url
    server.drop_all()


def _unexpected(url: str, kind: str, **kwargs) -> int:
    import psycopg

    query = suite_sql.compile_expectation(kind, kwargs, sql.Identifier("pub_test", "cards"))
    with psycopg.connect(url) as conn:
        row = conn.execute(query).fetchone()
    assert row is not None
    return int(row[0])


@pytest.mark.parametrize(
    ("kind", "kwargs", "expected"),
    [
        ("expect_table_row_count_to_be_between", {"min_value": 1}, 0),
        ("expect_table_row_count_to_be_between", {"min_value": 5}, 1),
        ("expect_table_row_count_to_be_between", {"min_value": 1, "max_value": 3}, 1),
        ("expect_column_values_to_not_be_null", {"column": "id"}, 1),
        ("expect_column_values_to_be_unique", {"column": "id"}, 2),
        ("expect_column_values_to_match_regex", {"column": "code", "regex": "^[0-9]{5}$"}, 1),
        ("expect_column_values_to_be_between", {"column": "share", "min_value": 0, "max_value": 100}, 1),
        ("expect_column_values_to_be_between", {"column": "share", "max_value": 100, "strict_max": True}, 2),
        ("expect_column_values_to_be_in_set", {"column": "grp", "value_set": ["HN", "CN"]}, 1),
        (
            "expect_column_pair_values_a_to_be_greater_than_b",
            {"column_A": "valid_to", "column_B": "valid_from", "or_equal": True},
            1,
        ),
        (
            "expect_column_pair_values_a_to_be_greater_than_b",
            {"column_A": "valid_to", "column_B": "valid_from"},
            2,
        ),
        (
            "unexpected_rows_expectation",
            {"unexpected_rows_query": "select * from {batch} where share > 99"},
            2,
        ),
        (  # a query naming its own tables runs as GX runs it
            "unexpected_rows_expectation",
            {"unexpected_rows_query": "select * from pub_test.cards where id = 2"},
            2,
        ),
    ],
)
def test_each_kind_counts_the_unexpected_rows(url: str, kind: str, kwargs: dict, expected: int):
    assert _unexpected(url, kind, **kwargs) == expected


def test_an_unknown_kind_or_a_partial_threshold_is_refused_not_skipped():
    table = sql.Identifier("pub_test", "cards")
    with pytest.raises(suite_sql.Unsupported):
        suite_sql.compile_expectation("expect_column_kl_divergence_to_be_less_than", {"column": "x"}, table)
    with pytest.raises(suite_sql.Unsupported):
        suite_sql.compile_expectation(
            "expect_column_values_to_not_be_null", {"column": "x", "mostly": 0.9}, table
        )


def test_every_marts_suite_of_the_project_compiles():
    checks = suite_sql.compile_layer("marts", "pub_00001")
    assert checks and all(check.suite for check in checks)


def test_the_checks_run_and_report_how_many_failed(url: str):
    import psycopg

    spec = {
        "suite": "cards",
        "relation": "cards",
        "expectations": [
            {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "id"}},
            {"type": "expect_table_row_count_to_be_between", "kwargs": {"min_value": 1}},
        ],
    }
    with psycopg.connect(url) as conn:
        timing = suite_sql.time_checks(conn, suite_sql.compile_suite(spec, "pub_test"))
    assert timing["checks"] == 2 and timing["failed"] == 1 and timing["seconds"] >= 0
