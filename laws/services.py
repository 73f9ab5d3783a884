"""Writes to the law library. The loader command, the demo and the spreadsheet import call these."""

from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path

from django.db import transaction
from modelsearch.index import insert_or_update_object

from .models import Law, LawArticle, LawStatus
from .parsing import ParsedLaw, iter_law_files, parse_law_file
from .signals import laws_no_longer_in_force


@dataclass
class LawLoadReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    # Versions that were in force and are not any more: powers citing them must be adjusted.
    no_longer_in_force: list[Law] = field(default_factory=list)


@transaction.atomic
def law_library_load(*, root: Path) -> LawLoadReport:
    """Load every law file under `root`, idempotently.

    Versions of one title are chained oldest to newest: each version supersedes the one before,
    the newest is 现行有效 and the older ones 已修改. Loading the same files again changes nothing.
    """
    parsed = [parse_law_file(path, root) for path in iter_law_files(root)]
    parsed.sort(key=lambda law: (law.title, law.version_date))
    report = LawLoadReport()
    for _title, versions in groupby(parsed, key=lambda law: law.title):
        previous = None
        versions = list(versions)
        for position, version in enumerate(versions):
            newest = position == len(versions) - 1
            status = LawStatus.IN_FORCE if newest else LawStatus.AMENDED
            changed_on = None if newest else versions[position + 1].version_date
            was_in_force = Law.objects.filter(
                title=version.title, version_date=version.version_date, status=LawStatus.IN_FORCE
            ).exists()
            law, outcome = law_version_save(
                parsed=version, status=status, status_changed_on=changed_on, supersedes=previous
            )
            getattr(report, outcome).append(str(law))
            if was_in_force and status != LawStatus.IN_FORCE:
                report.no_longer_in_force.append(law)
            previous = law
    if report.no_longer_in_force:
        laws_no_longer_in_force.send(sender=Law, laws=report.no_longer_in_force)
    return report


def law_version_save(*, parsed: ParsedLaw, status: str, status_changed_on, supersedes):
    """Create or update one law version and its articles; returns (law, outcome)."""
    values = {
        "status_changed_on": status_changed_on,
        "short_title": parsed.short_title,
        "level": parsed.level,
        "issuing_authority": parsed.issuing_authority,
        "promulgation_date": parsed.promulgation_date,
        "effective_date": parsed.effective_date,
        "status": status,
        "supersedes": supersedes,
        "history": parsed.history,
        "source": parsed.source,
    }
    law = Law.objects.filter(title=parsed.title, version_date=parsed.version_date).first()
    wanted_articles = [(a.number, a.ordinal, a.chapter, a.text) for a in parsed.articles]
    if law is None:
        law = Law.objects.create(title=parsed.title, version_date=parsed.version_date, **values)
        _write_articles(law, parsed)
        return law, "created"

    changed = [name for name, value in values.items() if getattr(law, name) != value]
    stored_articles = list(
        law.articles.order_by("sort_order").values_list("number", "ordinal", "chapter", "text")
    )
    if not changed and stored_articles == wanted_articles:
        return law, "unchanged"
    for name in changed:
        setattr(law, name, values[name])
    law.save()
    if stored_articles != wanted_articles:
        law.articles.all().delete()
        _write_articles(law, parsed)
    return law, "updated"


def _write_articles(law: Law, parsed: ParsedLaw):
    LawArticle.objects.bulk_create(
        LawArticle(
            law=law,
            number=article.number,
            ordinal=article.ordinal,
            chapter=article.chapter,
            text=article.text,
            sort_order=position,
        )
        for position, article in enumerate(parsed.articles)
    )
    # bulk_create sends no signals: re-index the law, now with its articles, explicitly.
    insert_or_update_object(law)
