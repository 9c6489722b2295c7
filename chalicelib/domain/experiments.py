"""Experiment definitions and results: tallies of units and conversions → the figures we publish.

Pure: the store hands in assignments and conversion facts, this module
attributes conversions to the unit's variant and runs the statistics
(domain.stats). Percentages are percent (12.5 = 12.5 %), as in the seed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from chalicelib.domain.assignment import Variant
from chalicelib.domain.stats import (
    Comparison,
    Sample,
    compare_proportions,
    pick_winner,
    sample_ratio_mismatch,
    welch_ttest,
)

METRICS = ("conversion_rate", "revenue")


@dataclass(frozen=True)
class Exposure:
    unit_id: str
    variant: str
    assigned_at: str


@dataclass(frozen=True)
class ConversionFact:
    """A stored conversion of the experiment's type, with the units it can belong to."""

    ts: str
    value: float
    user_id: str | None
    session_id: str | None

    def units(self) -> list[str]:
        out = []
        if self.user_id:
            out.append(f"u:{self.user_id}")
        if self.session_id:
            out.append(f"s:{self.session_id}")
        return out


@dataclass
class VariantTally:
    name: str
    weight: float
    participants: int = 0
    conversions: int = 0
    values: list[float] = field(default_factory=list)

    @property
    def total_value(self) -> float:
        return sum(self.values)


def tally(
    variants: list[Variant], exposures: Iterable[Exposure], conversions: Iterable[ConversionFact]
) -> list[VariantTally]:
    """Attribute each conversion to the variant of its unit, counting only conversions at or after the
    exposure. A unit converts at most once for the rate; its value is the sum of its conversions."""
    tallies = {v.name: VariantTally(v.name, v.weight) for v in variants}
    exposure_of: dict[str, Exposure] = {}
    for exposure in exposures:
        if exposure.variant in tallies:
            exposure_of[exposure.unit_id] = exposure
            tallies[exposure.variant].participants += 1
    value_of: dict[str, float] = {}
    for conversion in conversions:
        for unit in conversion.units():
            exposure = exposure_of.get(unit)
            if exposure is not None and conversion.ts >= exposure.assigned_at:
                value_of[unit] = value_of.get(unit, 0.0) + conversion.value
    for unit, exposure in exposure_of.items():
        variant = tallies[exposure.variant]
        if unit in value_of:
            variant.conversions += 1
        variant.values.append(value_of.get(unit, 0.0))
    return list(tallies.values())


def _pct(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value * 100, digits)


def _interval(bounds: tuple[float, float] | None, scale: float) -> list[float] | None:
    return None if bounds is None else [round(bounds[0] * scale, 6), round(bounds[1] * scale, 6)]


def _comparison_json(name: str, control: str, c: Comparison, metric: str, alpha: float) -> dict[str, Any]:
    absolute_scale = 100.0 if metric == "conversion_rate" else 1.0
    return {
        "variant": name,
        "against": control,
        "test": "two-proportion z-test" if metric == "conversion_rate" else "Welch's t-test",
        "absoluteLift": None if c.absolute_lift is None else round(c.absolute_lift * absolute_scale, 6),
        "absoluteLiftCi": _interval(c.absolute_ci, absolute_scale),
        "relativeLift": _pct(c.relative_lift),
        "relativeLiftCi": _interval(c.relative_ci, 100.0),
        "statistic": None if c.statistic is None else round(c.statistic, 6),
        "pValue": c.p_value,
        "significant": c.p_value is not None and c.p_value < alpha,
        "achievedConfidence": None if c.p_value is None else round((1 - c.p_value) * 100, 4),
    }


def analyse(
    variants: list[Variant], tallies: list[VariantTally], metric: str, confidence: float, min_sample: int
) -> dict[str, Any]:
    """Per-variant figures, comparisons of every variant with the first (control), SRM and winner."""
    control = tallies[0]
    comparisons: dict[str, Comparison] = {}
    for other in tallies[1:]:
        if metric == "revenue":
            comparisons[other.name] = welch_ttest(Sample.of(other.values), Sample.of(control.values), confidence)
        else:
            comparisons[other.name] = compare_proportions(
                other.conversions, other.participants, control.conversions, control.participants, confidence
            )
    srm = sample_ratio_mismatch([t.participants for t in tallies], [v.weight for v in variants])
    participants = {t.name: t.participants for t in tallies}
    winner = pick_winner(control.name, comparisons, participants, confidence, min_sample, srm.mismatch)
    alpha = 1 - confidence
    return {
        "metric": metric,
        "confidenceLevel": round(confidence * 100, 4),
        "minSample": min_sample,
        "enoughSample": all(n >= min_sample for n in participants.values()),
        "totalParticipants": sum(participants.values()),
        "control": control.name,
        "variants": [
            {
                "name": t.name,
                "weight": t.weight,
                "participants": t.participants,
                "conversions": t.conversions,
                "conversionRate": round(t.conversions / t.participants * 100, 4) if t.participants else 0.0,
                "totalValue": round(t.total_value, 2),
                "valuePerParticipant": round(t.total_value / t.participants, 4) if t.participants else 0.0,
            }
            for t in tallies
        ],
        "comparisons": [_comparison_json(n, control.name, c, metric, alpha) for n, c in comparisons.items()],
        "sampleRatioMismatch": {
            "chiSquare": srm.statistic,
            "pValue": srm.p_value,
            "checked": srm.checked,
            "mismatch": srm.mismatch,
        },
        "winner": winner,
    }


def seed_fields(results: dict[str, Any]) -> dict[str, Any]:
    """The seed's ab_testing columns: variant A is the control, variant B the first challenger;
    confidence_level is the confidence achieved by B against A (percent)."""
    rows = results["variants"]
    a = rows[0]
    b = rows[1] if len(rows) > 1 else {"participants": 0, "conversions": 0, "conversionRate": 0.0}
    first = results["comparisons"][0] if results["comparisons"] else {}
    return {
        "total_participants": results["totalParticipants"],
        "variant_a_participants": a["participants"],
        "variant_b_participants": b["participants"],
        "variant_a_conversions": a["conversions"],
        "variant_b_conversions": b["conversions"],
        "variant_a_conversion_rate": a["conversionRate"],
        "variant_b_conversion_rate": b["conversionRate"],
        "confidence_level": first.get("achievedConfidence") or 0.0,
        "winner": results["winner"],
    }
