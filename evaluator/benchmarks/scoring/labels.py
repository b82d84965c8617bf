"""Class labels written as text (CSV cells, predictions): one spelling per class (pure)."""

from __future__ import annotations

import math
from collections.abc import Iterable


def is_number(value: str) -> bool:
    """Whether ``value`` parses as a float."""
    try:
        float(value)
    except ValueError:
        return False
    return True


def label_key(value: str) -> str:
    """The canonical spelling of a label: "1", "1.0" and " 1 " are one class; so are "True"
    and "true"."""
    value = value.strip()
    if is_number(value) and math.isfinite(float(value)) and float(value).is_integer():
        return str(int(float(value)))
    return value.lower()


def sorted_classes(labels: Iterable[str]) -> list[str]:
    """Distinct canonical labels in class-id order: numerically when all are numbers."""
    keys = {label_key(label) for label in labels}
    if all(is_number(key) for key in keys):
        return sorted(keys, key=float)
    return sorted(keys)
