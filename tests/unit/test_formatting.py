"""geoproc.formatting: stars at the textbook thresholds, JSON-safe values."""

import json
import math

import numpy as np

from geoproc.formatting import finite_or_none, json_safe, stars


def test_stars_thresholds_are_strict():
    assert [stars(p) for p in (0.0099, 0.01, 0.0499, 0.05, 0.0999, 0.1, 0.5)] == [
        "***", "**", "**", "*", "*", "", ""]
    assert stars(None) == "" and stars(float("nan")) == ""


def test_finite_or_none():
    assert finite_or_none(np.float32(1.5)) == 1.5
    assert finite_or_none(float("inf")) is None and finite_or_none(None) is None


def test_json_safe_round_trips_through_strict_json():
    doc = {1: np.float64("nan"), "a": (np.int64(3), np.array([1.0, np.inf])), "b": True}
    out = json.loads(json.dumps(json_safe(doc), allow_nan=False))
    assert out == {"1": None, "a": [3, [1.0, None]], "b": True}
    assert not any(isinstance(x, float) and math.isnan(x) for x in out["a"][1] if x is not None)
