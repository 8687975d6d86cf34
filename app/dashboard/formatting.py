"""How a dashboard figure reads on the page: one decimal for levels, "p = 0.03" / "p < 0.001",
whole percentages, and "hidden" for a hidden figure in every table and chart (the files leave its
cell empty and name it, with the reason, in their last column)."""

from __future__ import annotations

from functools import cache

from babel.numbers import NumberPattern, parse_pattern
from flask import g, has_request_context
from flask_babel import get_locale
from flask_babel import gettext as _

from app.services.evaluation import NotEnoughData, Suppressed
from app.services.evaluation.chart_parts import HEAT_BANDS  # the chart's colour scale is the table's

DASH = "–"  # nothing to show: no officials, or a statistic that is not defined


def suppressed_text(k: int) -> str:
    """Why a figure is hidden, where a reason is written (a file's "Hidden figures" column)."""
    return _("fewer than %(k)s", k=k)


def hidden_text() -> str:
    """A hidden figure as a page or chart shows it, in any column (a count, a mean rating, a share):
    "hidden", never a phrase that could be read as a value; each page says why under its tables."""
    return _("hidden")


def not_enough_text() -> str:
    return _("not enough data")


def cell(value: object, kind: str = "count") -> str:
    """A figure as text. ``kind``: count, level (1 decimal), change (signed, 1 decimal), fine change
    (signed, 2 decimals), percent, p, effect (2 decimals), gain (2 decimals), hours (1 decimal), value
    (as recorded)."""
    if isinstance(value, Suppressed):
        return hidden_text()
    if isinstance(value, NotEnoughData):
        return not_enough_text()
    if value is None:
        return DASH
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if not isinstance(value, int | float):
        return str(value)
    if kind == "count":
        return _number(value, "#,##0")
    if kind in ("level", "hours"):
        return _number(value, "#,##0.0")
    if kind == "change":
        return _number(value, "+#,##0.0;-#,##0.0")
    if kind == "fine change":
        return _number(value, "+#,##0.00;-#,##0.00")
    if kind == "percent":
        return _number(value, "#,##0%")
    if kind == "p":
        return p_value(value)
    if kind in ("effect", "gain"):
        return _number(value, "#,##0.00;-#,##0.00")
    return _number(value, "#,##0.###")


def _number(value: float, pattern: str) -> str:
    """flask_babel's format_decimal (and format_percent, for a pattern with %) in the request's
    locale, with each pattern parsed once: a page of a thousand figures formats a thousand. A value
    that rounds to zero reads as zero, unsigned ("0.0", never "-0.0" or "+0.0")."""
    parsed = _pattern(pattern)
    if round(abs(value) * 10 ** parsed.scale, parsed.frac_prec[1]) == 0:
        value, parsed = 0, _pattern(pattern.split(";")[0].replace("+", ""))
    return parsed.apply(value, get_locale())


@cache
def _pattern(pattern: str) -> NumberPattern:
    return parse_pattern(pattern)


def p_value(p: float) -> str:
    if p < 0.001:
        return _("p < 0.001")
    return _("p = %(p)s", p=_number(p, "0.000" if p < 0.01 else "0.00"))


def interval(low: object, high: object, kind: str = "change") -> str:
    """A 95% confidence interval as "+0.2 to +0.9" (of a change; of a level "1.2 to 1.9"), or the
    marker both ends share."""
    if not isinstance(low, int | float) or not isinstance(high, int | float):
        return cell(low, kind)
    return _("%(low)s to %(high)s", low=cell(low, kind), high=cell(high, kind))


def heat_class(value: object) -> str:
    """The CSS class of a heatmap cell by its mean gap: app-heat--0 (under half a level) to
    app-heat--4 (two levels or more); app-heat--none when hidden or empty."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return "app-heat--none"
    return f"app-heat--{sum(value >= band for band in HEAT_BANDS)}"


def label(text: str) -> str:
    """The page's wording of the labels the analytics service writes in English (translated once
    per request: a page of a thousand rows asks for it a thousand times)."""
    if not has_request_context():
        return _labels().get(text, text)
    by_locale = g.setdefault("dashboard_labels", {})
    locale = str(get_locale())
    if locale not in by_locale:
        by_locale[locale] = _labels()
    return by_locale[locale].get(text, text)


def dimension(key: str) -> str:
    """A dimension of an organisation's maturity in words ("data_governance": "Data governance"),
    a key no label names written out the same way."""
    text = label(key)
    return text if text != key else key.replace("_", " ").capitalize()


def _labels() -> dict[str, str]:
    return {
        "All organisations": _("All organisations"),
        "All role profiles": _("All role profiles"),
        "All officials": _("All officials"),
        "No role profile": _("No role profile"),
        "No organisation": _("No organisation"),
        "Whole country": _("Whole country"),
        "All levels": _("All levels"),
        "overall": _("Overall"),
        # the dimensions of an organisation's maturity (app.content.schemas.MATURITY_DIMENSIONS)
        "strategy": _("Strategy"), "leadership": _("Leadership"), "budget": _("Budget"),
        "data_governance": _("Data governance"), "infrastructure": _("Infrastructure"),
        "staffing": _("Staffing"), "general": _("General"),
        "applied": _("Applied it at work"),
        "frequency": _("How often"),
        "barrier": _("What stopped them"),
        "yes": _("yes"), "partly": _("partly"), "no": _("no"), "no answer": _("no answer"),
        "daily": _("daily"), "weekly": _("weekly"), "monthly": _("monthly"), "rarely": _("rarely"),
        "never": _("never"),
        "no_time": _("No time"), "no_opportunity": _("No opportunity to use it"),
        "no_manager_support": _("No support from my manager"), "no_tools": _("No tools or access"),
        "not_relevant": _("The training did not fit my work"), "other": _("Something else"),
        "none": _("none"), "too little": _("too little"),
    }
