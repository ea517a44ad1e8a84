"""pytest imports test modules by basename (rootdir mode, no packages): two test files with
the same name in different folders stop the whole run at collection."""

from __future__ import annotations

from collections import defaultdict

from mtqg_warehouse.config import PROJECT_ROOT


def test_every_test_file_name_is_unique() -> None:
    places: dict[str, list[str]] = defaultdict(list)
    for folder in ("tests", "bench/tests"):
        for path in (PROJECT_ROOT / folder).rglob("test_*.py"):
            places[path.name].append(str(path.relative_to(PROJECT_ROOT)))
    clashes = {name: where for name, where in places.items() if len(where) > 1}
    assert not clashes, f"rename one of each: {clashes}"
