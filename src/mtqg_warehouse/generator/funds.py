"""The monthly funds sheet: allocations and disbursements per MTQG sub-project and source.

Allocations arrive in January; disbursement spreads over February-December and reaches 100 %
except for the projects the seed article names (Project 2, Sub-project 1 of Project 3), whose
shares come from assumptions.yml. The social security fund's mobilisation is reported as
project NGOAI-QASXH, source HD, with the amount raised in the allocated column.
"""

from __future__ import annotations

import numpy as np

from mtqg_warehouse.contracts.reference import seed_rows
from mtqg_warehouse.generator.allocation import round_to, split_exact
from mtqg_warehouse.generator.config import assumptions
from mtqg_warehouse.generator.formats import vnd


def _project_names() -> dict[str, str]:
    return {r["project_code"]: r["name_vi"] for r in seed_rows("mtqg_projects")}


def fund_rows(households: int, social_fund: int, rng: np.random.Generator) -> dict[int, list]:
    """month -> rows [project_code, project_name, source, allocated, disbursed] for a ward."""
    cfg = assumptions()
    names = _project_names()
    projects = cfg["projects_in_funds"]
    under = cfg["demo"]["under_disbursed"]
    total = households * cfg["amounts"]["allocation_per_household"]
    per_project = split_exact(total // 1000, rng.uniform(0.5, 1.5, len(projects)), rng) * 1000
    months: dict[int, list] = {m: [] for m in range(1, 13)}
    for code, amount in zip(projects, per_project.tolist(), strict=True):
        central = int(round(amount * cfg["central_share"] / 1000)) * 1000
        for source, alloc in (("TW", central), ("DP", amount - central)):
            spent = int(round(alloc * under.get(code, 1.0) / 1000)) * 1000
            monthly = split_exact(spent // 1000, rng.uniform(0.2, 1.8, 11), rng) * 1000
            for month in range(1, 13):
                allocated = alloc if month == 1 else 0
                disbursed = 0 if month == 1 else int(monthly[month - 2])
                months[month].append([code, names[code], source, vnd(allocated), vnd(disbursed)])
    raised = split_exact(social_fund // 1000, rng.uniform(0.3, 1.7, 12), rng) * 1000
    paid_out = round_to(raised * 0.9, 1000)
    for month in range(1, 13):
        months[month].append(
            [
                "NGOAI-QASXH",
                names["NGOAI-QASXH"],
                "HD",
                vnd(int(raised[month - 1])),
                vnd(int(paid_out[month - 1])),
            ]
        )
    return months
