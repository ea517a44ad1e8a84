"""Households of one ward: codes, hamlets, heads' names and ID numbers, sizes.

Generated per ward from a ward-specific random stream so wards can be built in parallel
processes and still give byte-identical output for a seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mtqg_warehouse.generator.config import Ward, assumptions

PROVINCE_CCCD = "095"  # birth-place code of Bạc Liêu on the CCCD [assume]


@dataclass
class Households:
    """Column arrays for the ward's households; index i is the same household everywhere."""

    ward: Ward
    offset: int  # global index of the ward's first household (keeps ID serials unique)
    codes: list[str]
    hamlet_idx: np.ndarray
    head_names: list[str]
    head_female: np.ndarray
    head_ids: list[str]
    members: np.ndarray

    def __len__(self) -> int:
        return len(self.codes)


def person_names(rng: np.random.Generator, female: np.ndarray) -> list[str]:
    """Vietnamese full names (family + middle + given) from the assumed name parts."""
    parts = assumptions()["names"]
    fam, mid_m, mid_f, given = parts["family"], parts["middle_m"], parts["middle_f"], parts["given"]
    n = len(female)
    fi = rng.integers(0, len(fam), n).tolist()
    mi = rng.integers(0, 60, n).tolist()
    gi = rng.integers(0, len(given), n).tolist()
    out = []
    for k, is_f in enumerate(female.tolist()):
        middle = mid_f[mi[k] % len(mid_f)] if is_f else mid_m[mi[k] % len(mid_m)]
        out.append(f"{fam[fi[k]]} {middle} {given[gi[k]]}")
    return out


def cccd_numbers(rng: np.random.Generator, female: np.ndarray, serials: np.ndarray) -> list[str]:
    """12-digit CCCD: province (3) + gender/century (1) + birth year (2) + serial (6)."""
    n = len(female)
    birth = rng.integers(1940, 2008, n)
    century = np.where(birth >= 2000, 2, 0) + female.astype(np.int64)
    yy = birth % 100
    ser = (serials * 7919 + 12345) % 1_000_000
    return [
        f"{PROVINCE_CCCD}{c}{y:02d}{s:06d}"
        for c, y, s in zip(century.tolist(), yy.tolist(), ser.tolist(), strict=True)
    ]


def make_households(ward: Ward, count: int, offset: int, rng: np.random.Generator) -> Households:
    """Draw the ward's households; sizes follow assumptions.yml household_size."""
    sizes = assumptions()["household_size"]
    members = rng.choice(np.array(list(sizes), dtype=np.int64), size=count, p=np.array(list(sizes.values())))
    weights = rng.uniform(0.6, 1.4, len(ward.hamlets))
    hamlet_idx = rng.choice(len(ward.hamlets), size=count, p=weights / weights.sum())
    female = rng.random(count) < 0.3
    codes = [f"{ward.code}-{i + 1:06d}" for i in range(count)]
    return Households(
        ward=ward,
        offset=offset,
        codes=codes,
        hamlet_idx=hamlet_idx,
        head_names=person_names(rng, female),
        head_female=female,
        head_ids=cccd_numbers(rng, female, np.arange(offset, offset + count)),
        members=members,
    )
