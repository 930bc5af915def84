"""Type aliases shared by the methods (for mypy; no statistics here)."""

from __future__ import annotations

from typing import Any, TypeAlias

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray: TypeAlias = NDArray[np.float64]  # every statistic the methods return
IntArray: TypeAlias = NDArray[np.intp]  # group codes, 0 … G − 1
BoolArray: TypeAlias = NDArray[np.bool_]
ObjectArray: TypeAlias = NDArray[np.object_]  # per-row text, e.g. "Exact"/"Byars" or None
AnyArray: TypeAlias = NDArray[Any]

__all__ = ["AnyArray", "ArrayLike", "BoolArray", "FloatArray", "IntArray", "ObjectArray"]
