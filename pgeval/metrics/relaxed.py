"""ChartQA relaxed accuracy: numbers within a relative tolerance, other answers exactly.

Both strings are lowercased first (as big_vision's ChartQA evaluator does). A string parses as a
number by Python's float(); a trailing "%" (all trailing "%" characters) divides by 100. With a
numeric prediction and a non-zero numeric target the answer is right when
|prediction - target| / |target| <= tolerance; otherwise the strings must be equal.
"""

from __future__ import annotations


def parse_number(text: str) -> float | None:
    """The value ChartQA's rule reads from a string, or None."""
    try:
        if text.endswith("%"):
            return float(text.rstrip("%")) / 100.0
        return float(text)
    except ValueError:
        return None


def relaxed_accuracy(prediction: str, target: str, tolerance: float = 0.05) -> float:
    """1.0 when the prediction is right under the relaxed rule, else 0.0."""
    prediction, target = prediction.lower(), target.lower()
    p, t = parse_number(prediction), parse_number(target)
    if p is not None and t:
        return float(abs(p - t) / abs(t) <= tolerance)
    return float(prediction == target)
