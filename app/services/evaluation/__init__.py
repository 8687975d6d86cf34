"""The evaluation stage: the analytics behind every dashboard, their statistics, charts and exports,
indicators, follow-ups and each official's own trend. Plain functions on a SQLAlchemy session, no Flask.

Every function takes the session, a ``Scope`` (the countries the viewer may see: pass
``visible_country_ids(user)``, or a one-country frozenset narrowed from it; None means every
country), ``Filters`` (organisation, role profile, campaign, competency, validated results only) and
``k``, the release layer (release.Release: the threshold and the cell-key noise; a bare int is a
threshold with exact figures, for the statistics' tests). The database does the grouping; each function
runs a constant number of statements whatever the number of officials, and returns a ``Table``: rows
(frozen dataclasses, or dicts for the person-level table) ready for a page, a chart, and
app.services.evaluation.exports (CSV, XLSX).

A figure over fewer than K officials is a ``Suppressed(k)`` (hidden), never a number; every other
figure is moved by the release layer so that none can be worked out by subtraction (release.py); a
statistic that needs more than there is, ``NOT_ENOUGH`` ("not enough data"). A result not assessed
is never 0: it is in no mean, level or change, and each table of
levels, gaps or change counts it apart (``not_assessed``). Modules:

- participation: ``participation_funnel`` (invited → started → submitted per campaign and organisation)
- levels: ``heatmap`` (+ ``heatmap_grid``), ``level_distribution``, ``assets``
- change: ``change_by_competency``, ``change_by_organisation``, ``change_by_role_profile`` (L2)
- pairing: ``pairing`` (paired, baseline only, follow-up only)
- trend: ``trend`` (mean and 95% CI per cycle); an official's own trend is
  app.services.evaluation.official_trend
- activity: ``learning_activity``, ``organisation_maturity``, ``indicator_values`` (L4)
- feedback: ``resource_feedback``, ``path_feedback`` (L1), ``follow_up_answers`` (L3)
- content_gaps: ``largest_content_gaps`` (the content-gap report and the skills page's largest gaps)
- release: the one release layer every figure about officials leaves through (threshold, cell-key
  noise, threat model); pairs: the one definition of a pair of attempts; summary: each page's
  summary in words, from its released tables
- people: ``person_levels`` (admins only, pseudonymised by default), ``pseudonym``
"""

from app.services.evaluation.activity import (
    ActivityRow,
    IndicatorRow,
    MaturityRow,
    indicator_values,
    learning_activity,
    organisation_maturity,
)
from app.services.evaluation.change import (
    ChangeRow,
    change_by_competency,
    change_by_organisation,
    change_by_role_profile,
)
from app.services.evaluation.common import (
    DEFAULT_K,
    NO_FILTERS,
    NOT_ENOUGH,
    Figure,
    Filters,
    NotEnoughData,
    Scope,
    Suppressed,
    Table,
    is_suppressed,
)
from app.services.evaluation.content_gaps import ContentGapRow, largest_content_gaps
from app.services.evaluation.feedback import (
    POOR_RATING,
    FeedbackRow,
    FollowUpRow,
    follow_up_answers,
    path_feedback,
    resource_feedback,
)
from app.services.evaluation.levels import (
    PRACTITIONER,
    AssetRow,
    HeatmapCell,
    LevelRow,
    assets,
    heatmap,
    heatmap_grid,
    level_distribution,
)
from app.services.evaluation.official import official_trend
from app.services.evaluation.pairing import PairingRow, pairing
from app.services.evaluation.participation import FunnelRow, participation_funnel
from app.services.evaluation.people import person_levels, pseudonym
from app.services.evaluation.trend import TrendRow, trend

__all__ = [
    "DEFAULT_K", "NO_FILTERS", "NOT_ENOUGH", "POOR_RATING", "PRACTITIONER",
    "ActivityRow", "AssetRow", "ChangeRow", "ContentGapRow", "FeedbackRow", "Figure", "Filters",
    "FollowUpRow", "FunnelRow", "HeatmapCell", "IndicatorRow", "LevelRow", "MaturityRow", "NotEnoughData",
    "PairingRow", "Scope", "Suppressed", "Table", "TrendRow",
    "assets", "change_by_competency", "change_by_organisation", "change_by_role_profile",
    "follow_up_answers", "heatmap", "heatmap_grid", "indicator_values", "is_suppressed",
    "largest_content_gaps", "learning_activity", "level_distribution", "official_trend",
    "organisation_maturity",
    "pairing", "participation_funnel", "path_feedback", "person_levels", "pseudonym",
    "resource_feedback", "trend",
]
