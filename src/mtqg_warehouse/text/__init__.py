"""Vietnamese-text toolkit for the loaders: normalisation, legacy-encoding repair and tolerant
matching of unit names to codes. Dates and numbers are contract types (contracts/types.py).

Pure standard library, no database: everything here is cheap to call once per cell.
"""

from mtqg_warehouse.text.legacy import (
    RepairResult,
    detect_legacy,
    from_tcvn3,
    from_vni,
    repair,
    to_tcvn3,
    to_vni,
)
from mtqg_warehouse.text.normalize import fold, nfc
from mtqg_warehouse.text.syllable import is_vietnamese_syllable
from mtqg_warehouse.text.units import UnitMatcher

__all__ = [
    "RepairResult",
    "UnitMatcher",
    "detect_legacy",
    "fold",
    "from_tcvn3",
    "from_vni",
    "is_vietnamese_syllable",
    "nfc",
    "repair",
    "to_tcvn3",
    "to_vni",
]
