"""One demo-preset run per session (calibration) and a small defective run, in tmp dirs."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from mtqg_warehouse.generator.cli import add_arguments, config_from
from mtqg_warehouse.generator.run import generate


def make(out: Path, *extra: str) -> Path:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    generate(config_from(parser.parse_args(["--out", str(out), *extra])))
    return out


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Demo preset with defects: calibration must hold on the clean rows anyway."""
    return make(tmp_path_factory.mktemp("demo"), "--defect-rate", "0.01")


@pytest.fixture(scope="session")
def small_clean(tmp_path_factory: pytest.TempPathFactory) -> Path:
    options = "--preset none --households 3000 --years 1 --start-year 2023"
    return make(tmp_path_factory.mktemp("clean"), *options.split())
