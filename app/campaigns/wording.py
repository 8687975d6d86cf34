"""What an invitations import did, in words a person uses, with plurals in the reader's language."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import ngettext

from app.services.assessment.invites import ImportResult


def invited_message(result: ImportResult) -> str:
    """For example "3 officials invited: 2 with new accounts and 1 who already had an account. 1
    official kept where they are."""
    existing = result.invited - result.created
    parts = []
    if result.created:
        parts.append(ngettext("%(num)s with a new account", "%(num)s with new accounts", result.created))
    if existing:
        parts.append(ngettext("%(num)s who already had an account", "%(num)s who already had accounts",
                              existing))
    said = ngettext("%(num)s official invited", "%(num)s officials invited", result.invited)
    if parts:
        said = _("%(invited)s: %(how)s", invited=said, how=_(" and ").join(parts))
    sentences = [said]
    if result.already_invited:
        sentences.append(ngettext("%(num)s person in the file was invited already",
                                  "%(num)s people in the file were invited already", result.already_invited))
    if result.moved:
        sentences.append(ngettext("%(num)s official moved as the file says",
                                  "%(num)s officials moved as the file says", result.moved))
    if result.kept:
        sentences.append(ngettext("%(num)s official kept where they are",
                                  "%(num)s officials kept where they are", result.kept))
    if result.left_out:
        sentences.append(ngettext(
            "%(num)s of them is in an organisation outside this campaign, so was not invited",
            "%(num)s of them are in organisations outside this campaign, so were not invited",
            result.left_out))
    return ". ".join(sentences) + "."
