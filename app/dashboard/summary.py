"""The dashboard pages' summaries in words (1 to 3 sentences), from the facts
app.services.evaluation.summary works out of the page's own tables.

A hidden count is never written as a number here, not even as "fewer than K": it reads "a few", or
the sentence says there are too few to tell.
"""

from __future__ import annotations

from collections.abc import Mapping

from babel.lists import format_list
from flask_babel import format_date, get_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from app.dashboard.formatting import cell
from app.services.evaluation import Suppressed, Table
from app.services.evaluation.summary import (
    ChangeFacts,
    CountriesFacts,
    Cycle,
    LearningFacts,
    ParticipationFacts,
    SkillsFacts,
    page_facts,
)


def page_summary(session: Session, page: str, tables: Mapping[str, Table]) -> list[str]:
    """The sentences at the top of ``page``."""
    facts = page_facts(session, page, tables)
    wording = {ChangeFacts: change_words, ParticipationFacts: participation_words,
               SkillsFacts: skills_words, LearningFacts: learning_words, CountriesFacts: countries_words}
    return wording[type(facts)](facts)


def _and(items: list[str]) -> str:
    return format_list(items, locale=str(get_locale() or "en"))


def _levels(change: float) -> str:
    """A change in levels, signed, with one decimal (two when one would read as zero)."""
    return cell(change, "fine change" if abs(change) < 0.05 else "change")


# Change over time ----------------------------------------------------------------------------------

def _cycle(cycle: Cycle) -> str:
    if cycle.opens_at is None:
        return cycle.name
    return _("%(name)s (%(month)s)", name=cycle.name, month=format_date(cycle.opens_at, "MMMM yyyy"))


def change_words(facts: ChangeFacts) -> list[str]:
    if not facts.enough:
        if facts.follow_up is not None and isinstance(facts.pairs, int) and facts.pairs > 0:
            return [ngettext("%(n)s official took both cycles, but no competency could be tested.",
                             "%(n)s officials took both cycles, but no competency could be tested.",
                             facts.pairs, n=cell(facts.pairs))]
        return [_("Too few officials took both cycles to say what changed.")]
    total = facts.tested
    if facts.rose:
        rose = ngettext("%(n)s of %(total)s competency improved clearly (largest: %(name)s, %(change)s "
                        "levels)",
                        "%(n)s of %(total)s competencies improved clearly (largest: %(name)s, %(change)s "
                        "levels)", total, n=cell(len(facts.rose)), total=cell(total),
                        name=facts.rose[0].competency, change=_levels(facts.rose[0].change))
    else:
        rose = ngettext("the competency tested did not improve clearly",
                        "none of the %(total)s competencies tested improved clearly", total,
                        total=cell(total))
    if facts.fell:
        fell = ngettext("%(n)s fell clearly (largest: %(name)s, %(change)s levels)",
                        "%(n)s fell clearly (largest: %(name)s, %(change)s levels)", len(facts.fell),
                        n=cell(len(facts.fell)), name=facts.fell[0].competency,
                        change=_levels(facts.fell[0].change))
    else:
        fell = _("none fell clearly")
    pairs = ""
    if isinstance(facts.pairs, int):
        pairs = ngettext("; %(n)s official took both", "; %(n)s officials took both", facts.pairs,
                         n=cell(facts.pairs))
    sentences = [_("Between %(baseline)s and its follow-up %(follow_up)s, %(rose)s; %(fell)s%(pairs)s.",
                   baseline=_cycle(facts.baseline), follow_up=_cycle(facts.follow_up), rose=rose, fell=fell,
                   pairs=pairs)]
    sentences.append(_("A change is clear when its adjusted p (Holm) is under 0.05 and its 95% confidence "
                       "interval is all above or all below zero."))
    if facts.follow_ups > 1:
        sentences.append(ngettext("%(n)s follow-up is in view; pick a campaign above to read another.",
                                  "%(n)s follow-ups are in view; pick a campaign above to read another.",
                                  facts.follow_ups, n=cell(facts.follow_ups)))
    return sentences


# Participation -------------------------------------------------------------------------------------

def participation_words(facts: ParticipationFacts) -> list[str]:
    if not facts.enough:
        return [_("No campaign has invited anyone yet for this selection.")]
    if facts.campaigns > 1:
        where = _("In the latest of %(n)s campaigns, %(name)s", n=cell(facts.campaigns), name=facts.campaign)
    else:
        where = _("In %(name)s", name=facts.campaign)
    invited, submitted = facts.invited, facts.submitted
    if isinstance(invited, Suppressed) or (not invited and isinstance(submitted, Suppressed)):
        return [_("%(where)s, too few officials were invited to show the figures.", where=where)]
    if not invited:
        return [ngettext("%(where)s, %(n)s official submitted an assessment.",
                         "%(where)s, %(n)s officials submitted an assessment.", submitted or 0,
                         where=where, n=cell(submitted or 0))]
    if isinstance(submitted, Suppressed):
        return [ngettext("%(where)s, %(n)s official was invited; too few have submitted yet to show how "
                         "many.",
                         "%(where)s, %(n)s officials were invited; too few have submitted yet to show how "
                         "many.", invited, where=where, n=cell(invited))]
    return [ngettext("%(where)s, %(n)s official was invited and %(submitted)s submitted their assessment: "
                     "a response rate of %(rate)s.",
                     "%(where)s, %(n)s officials were invited and %(submitted)s submitted their "
                     "assessment: a response rate of %(rate)s.", invited, where=where, n=cell(invited),
                     submitted=cell(submitted or 0), rate=cell(facts.response_rate, "percent"))]


# Skills ----------------------------------------------------------------------------------------------

def skills_words(facts: SkillsFacts) -> list[str]:
    if not facts.competencies:
        return [_("No official has been assessed yet for this selection.")]
    if facts.largest:
        gaps = _and([_("%(name)s (%(gap)s levels)", name=g.competency, gap=cell(g.mean_gap, "level"))
                     for g in facts.largest])
        first = ngettext("The largest gap to a role target is in %(gaps)s.",
                         "The largest gaps to role targets are in %(gaps)s.", len(facts.largest), gaps=gaps)
    elif facts.gaps_shown:
        first = _("The officials assessed meet their role targets in every competency shown.")
    elif facts.gaps_hidden:
        first = _("Too few officials have been assessed against a role target to show the gaps.")
    else:
        first = _("No competency assessed has a role target to measure gaps against.")
    if not facts.not_assessed_in:
        return [first, _("Every official is assessed in every competency: none is marked not assessed.")]
    if facts.most_not_assessed:
        name, count = facts.most_not_assessed
        second = ngettext("In %(n)s of %(total)s competency some officials are not assessed (too little "
                          "evidence to place them at a level), the most in %(name)s (%(count)s).",
                          "In %(n)s of %(total)s competencies some officials are not assessed (too little "
                          "evidence to place them at a level), the most in %(name)s (%(count)s).",
                          facts.competencies, n=cell(facts.not_assessed_in), total=cell(facts.competencies),
                          name=name, count=cell(count))
    else:
        second = ngettext("In %(n)s of %(total)s competency a few officials are not assessed (too little "
                          "evidence to place them at a level).",
                          "In %(n)s of %(total)s competencies a few officials are not assessed (too little "
                          "evidence to place them at a level).",
                          facts.competencies, n=cell(facts.not_assessed_in), total=cell(facts.competencies))
    return [first, second]


# Learning --------------------------------------------------------------------------------------------

def _officials(n, counted, few: str, none: str) -> str:
    """A clause about ``n`` officials: ``counted(n)`` when released, ``few`` when hidden."""
    if isinstance(n, Suppressed):
        return few
    return counted(n) if n else none


def learning_words(facts: LearningFacts) -> list[str]:
    sentences = []
    if facts.activity:
        plan = _officials(facts.with_plan, lambda n: ngettext(
            "%(n)s official has an accepted learning plan", "%(n)s officials have an accepted learning plan",
            n, n=cell(n)), _("a few officials have an accepted learning plan"),
            _("no official has an accepted learning plan yet"))
        enrolled = _officials(facts.enrolled, lambda n: ngettext(
            "%(n)s is enrolled in a path", "%(n)s are enrolled in a path", n, n=cell(n)),
            _("a few are enrolled in a path"), _("none is enrolled in a path"))
        completed = _officials(facts.completed, lambda n: ngettext(
            "%(n)s has completed one", "%(n)s have completed one", n, n=cell(n)),
            _("a few have completed one"), _("none has completed one yet"))
        text = _("%(plan)s, %(enrolled)s and %(completed)s.", plan=plan, enrolled=enrolled,
                 completed=completed)
        sentences.append(text[:1].upper() + text[1:])
    else:
        sentences.append(_("No learning plan or enrolment yet for this selection."))
    if not facts.feedback:
        sentences.append(_("No feedback on resources or paths yet."))
    elif not facts.rated:
        sentences.append(_("Too few officials have rated any resource or path to show the ratings."))
    else:
        flagged = (ngettext("%(n)s is rated poorly and flagged for the curators to review",
                            "%(n)s are rated poorly and flagged for the curators to review", facts.flagged,
                            n=cell(facts.flagged)) if facts.flagged else _("none is rated poorly"))
        sentences.append(ngettext("%(n)s resource or path has enough feedback to show; %(flagged)s.",
                                  "%(n)s resources and paths have enough feedback to show; %(flagged)s.",
                                  facts.rated, n=cell(facts.rated), flagged=flagged))
    return sentences


# Countries -------------------------------------------------------------------------------------------

def countries_words(facts: CountriesFacts) -> list[str]:
    if not facts.countries:
        return [_("No country yet.")]
    if facts.countries == 1:
        if facts.with_follow_up:
            return [_("One country is in view; it has run a follow-up campaign.")]
        return [_("One country is in view; it has not run a follow-up campaign yet.")]
    follow_ups = (ngettext("%(n)s of them has run a follow-up campaign",
                           "%(n)s of them have run a follow-up campaign", facts.with_follow_up,
                           n=cell(facts.with_follow_up)) if facts.with_follow_up
                  else _("none has run a follow-up campaign yet"))
    return [_("%(n)s countries are compared side by side; %(follow_ups)s.", n=cell(facts.countries),
              follow_ups=follow_ups)]
