"""The one check of a number that must be a fraction: a per-example score, a probability, a
judge's or scorer's verdict, a threshold on them. Callers raise their own error, naming the
file, line or id and the value."""

from __future__ import annotations

import math


def is_unit_score(value: object) -> bool:
    """Whether `value` is a finite number in [0, 1] (an int or a float, not a bool)."""
    return not isinstance(value, bool) and isinstance(value, int | float) and (
        math.isfinite(value) and 0.0 <= value <= 1.0)
