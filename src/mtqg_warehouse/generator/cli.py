"""Command line: ``mtqg generate`` (wired by the lead) and ``python -m mtqg_warehouse.generator``."""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

from mtqg_warehouse.generator.config import RunConfig, assumptions
from mtqg_warehouse.generator.csv_style import LINE_ENDS, CsvStyle


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--households", type=int, default=None, help="households in the city (demo preset: 45000)"
    )
    parser.add_argument("--years", type=int, default=None, help="review years from --start-year")
    parser.add_argument("--start-year", type=int, default=None, help="first year (2022)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--defect-rate", type=float, default=0.0, help="share of rows; 0 = clean")
    parser.add_argument(
        "--preset",
        choices=["demo", "none"],
        default="demo",
        help="demo: calibrate 2023 to the seed article's figures",
    )
    parser.add_argument("--workers", type=int, default=2, help="processes (one ward per task)")
    parser.add_argument("--out", type=Path, default=Path("data/generated"))
    csv = parser.add_argument_group("how the CSV feeds are written (generator/csv_style.py)")
    csv.add_argument("--line-ends", choices=sorted(LINE_ENDS), default="lf", help="crlf: as Windows tools")
    csv.add_argument("--bom", action="store_true", help="start each CSV with a UTF-8 byte-order mark")
    csv.add_argument("--nfd-share", type=float, default=0.0, help="share of rows with a decomposed name")
    csv.add_argument("--comma-share", type=float, default=0.0, help="share of rows with a quoted comma name")
    csv.add_argument("--padded-share", type=float, default=0.0, help="share of rows with a padded code")


def config_from(args: argparse.Namespace) -> RunConfig:
    cfg = assumptions()
    demo = cfg["demo"]
    households = args.households or demo["households"]
    start = args.start_year or cfg["start_year"]
    years = tuple(range(start, start + (args.years or demo["years"])))
    if args.preset == "demo" and demo["calibration_year"] not in years:
        raise SystemExit(f"--preset demo needs {demo['calibration_year']} among the years")
    if args.preset == "demo" and households < 30_000:
        raise SystemExit("--preset demo needs at least 30000 households to meet the figures")
    style = CsvStyle(
        line_end=LINE_ENDS[args.line_ends],
        bom=args.bom,
        nfd_share=args.nfd_share,
        comma_share=args.comma_share,
        padded_share=args.padded_share,
    )
    return RunConfig(
        households, years, args.seed, args.defect_rate, args.preset, args.out, args.workers, style
    )


def run(args: argparse.Namespace) -> int:
    from mtqg_warehouse.generator.run import generate

    summary = generate(config_from(args))
    brief = {k: summary[k] for k in ("households", "years", "defects", "rows_per_feed", "seconds")}
    print(json.dumps(brief | {"calibration": summary["calibration"]}, ensure_ascii=False))
    return 0


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    parser = argparse.ArgumentParser(prog="mtqg-generate", description=__doc__)
    add_arguments(parser)
    return run(parser.parse_args(argv))
