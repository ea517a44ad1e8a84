"""How big each measured input is: the full run and the ``--quick`` smoke run."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Sizes:
    """Input sizes of one bench run; ``runs`` timings are taken of each path and the median kept."""

    mode: str
    bank_rows: int
    card_rows: int
    ward_households: int  # households behind the poverty-review workbooks (and the CSV base files)
    generator_households: int
    runs: int
    province_households: int  # one province's households in the end-to-end pipeline section
    province_years: int  # review years of its history (the generator writes at most 2022-2024)
    province_months: int | None  # monthly and daily deliveries loaded before the held-back
    # month: None, all of them; a smoke run keeps only the last few (yearly reviews all kept)


FULL = Sizes(
    mode="full",
    bank_rows=2_000_000,
    card_rows=1_000_000,
    ward_households=250_000,
    generator_households=1_000_000,
    runs=3,
    province_households=250_000,
    province_years=3,
    province_months=None,
)

# The generator figure is the one the brief sets (1M households, about 40 s); quick shrinks it
# too, because a smoke run is about the harness working, not about the number.
QUICK = Sizes(
    mode="quick",
    bank_rows=200_000,
    card_rows=100_000,
    ward_households=25_000,
    generator_households=100_000,
    runs=1,
    province_households=1_000,
    province_years=1,
    province_months=2,
)
