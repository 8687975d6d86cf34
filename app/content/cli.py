"""flask content validate|sync|export|schema, and flask frameworks import|list."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from app.content.bank_report import bank_report
from app.content.case_reader import read_case
from app.content.catalogue import competency_index, coverage
from app.content.export import DEFAULT_OUT, export_resources
from app.content.importers import FORMATS, ImportFailed, guess_format, import_framework, read_csv
from app.content.loader import (
    CONTENT_ROOT,
    DEFAULT_PATH,
    MAX_ERRORS_PER_FILE,
    Content,
    LoadResult,
    load_content,
)
from app.content.schemas import KINDS, SCHEMA_FILES, KnowledgeItem
from app.content.sync import sync_content
from app.extensions import db
from app.models import Area, Competency, Framework, ProficiencyLevel
from app.services.errors import ValidationFailed

_path_option = click.option(
    "--path", "path", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="The content root holding assessments/ and courses/ (default: the repository), or an "
         "assessments folder alone (then the catalogue is neither read nor synced).")


@click.group("content", help="Validate and sync the YAML content.")
def content_cli() -> None:
    pass


def _load_or_exit(path: Path | None) -> LoadResult:
    result = load_content(path)
    if not result.ok:
        for error in result.errors:
            click.echo(str(error), err=True)
        raise click.ClickException(f"{result.error_count} error(s) in {path or CONTENT_ROOT}")
    return result


@content_cli.command("validate")
@_path_option
def validate(path: Path | None) -> None:
    """Check every file; print each error as FILE: FIELD: reason."""
    result = _load_or_exit(path)
    click.echo(f"OK: {result.content.summary()}")
    for line in [*_bank_lines(result.content), *_coverage_lines(result.content)]:
        click.echo(line)


def _bank_lines(content: Content) -> list[str]:
    """Per framework, its knowledge checks per competency and level, and what to improve in them (see
    app/content/bank_report.py). Checks written in an instrument itself count too."""
    lines = []
    for framework in content.frameworks:
        checks = [(content.files[("banks", bank.code)], check) for bank in content.banks
                  if bank.framework == framework.code for check in bank.checks]
        in_banks = {check.code for _, check in checks}
        checks += [(content.files[("instruments", instrument.code)], item)
                   for instrument in content.instruments if instrument.framework == framework.code
                   for item in instrument.items()
                   if isinstance(item, KnowledgeItem) and item.code not in in_banks]
        if checks:
            report = bank_report(framework.code, checks,
                                 competencies=[c.code for c in framework.competencies()],
                                 levels=[level.level for level in framework.scale])
            lines += report.lines()
    return lines


def _coverage_lines(content: Content) -> list[str]:
    """How well the published resources cover each framework: every competency should be taught over
    two level steps or more (a step being one level up, e.g. 1 → 2)."""
    if content.resources is None:
        return []
    index = competency_index(content.frameworks)
    lines = []
    for framework in content.frameworks:
        steps = coverage(content.resources, index, framework.code)
        thin = {code: taught for code, taught in steps.items() if len(taught) < 2}
        lines.append(f"{framework.code}: {len(steps) - len(thin)} of {len(steps)} competencies taught over "
                     "two level steps or more")
        lines += [f"  {code}: " + (", ".join(f"{s - 1} → {s}" for s in sorted(taught)) or "no material")
                  for code, taught in thin.items()]
    return lines


@content_cli.command("sync")
@_path_option
@with_appcontext
def sync(path: Path | None) -> None:
    """Validate everything, then upsert it by code in one transaction."""
    result = _load_or_exit(path)
    try:
        report = sync_content(db.session, result.content)
    except ValidationFailed as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    for line in report.lines():
        click.echo(line)
    if not report:
        click.echo("Nothing changed.")


@content_cli.command("export")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The folder to write <id>.yaml files to (default: the repository's courses/resources/).")
@with_appcontext
def export(out: Path | None) -> None:
    """Write every resource in the database, retired and app-made ones too, back to YAML."""
    report = export_resources(db.session, out)
    for target in report.written:
        click.echo(f"wrote {target}")
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(f"{len(report.written) + len(report.unchanged)} resources in {out or DEFAULT_OUT}: "
               f"{len(report.written)} written, {len(report.unchanged)} unchanged")


@content_cli.command("schema")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where to write the JSON Schema files (default: assessments/schema/).")
def schema(out: Path | None) -> None:
    """Write the JSON Schema of each kind of file, for editors to check YAML as you type."""
    out = out or DEFAULT_PATH / "schema"
    out.mkdir(parents=True, exist_ok=True)
    for kind, model in KINDS.items():
        document = {"$schema": "https://json-schema.org/draft/2020-12/schema", **model.model_json_schema()}
        target = out / SCHEMA_FILES[kind]
        target.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        click.echo(f"wrote {target}")


@click.group("frameworks", help="Competency frameworks.")
def frameworks_cli() -> None:
    pass


@frameworks_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "format_", type=click.Choice(FORMATS), default=None,
              help="csv or case (default: case for .json files, csv otherwise).")
@click.option("--code", default=None, help="The framework's code (default: from the file name or title).")
@click.option("--name", default=None, help="The framework's name (default: the CSV file's name or the "
              "CASE document's title).")
@click.option("--version", "version", default=None, help="The framework's version (default: 1.0 for CSV, "
              "the CASE document's version).")
@click.option("--licence", default=None, help="SPDX licence identifier (default: none for CSV, the CASE "
              "document's licenseURI title).")
@with_appcontext
def import_command(file: Path, format_: str | None, code: str | None, name: str | None,
                   version: str | None, licence: str | None) -> None:
    """Import (or update) a framework from FILE; nothing is written if the file has any problem."""
    format_ = format_ or guess_format(file)
    data = file.read_bytes()
    notes: list[str] = []
    try:
        if format_ == "csv":
            framework = read_csv(data, code=code or file.stem.lower().replace("_", "-"),
                                 name=name or file.stem.replace("_", " ").replace("-", " ").title(),
                                 version=version or "1.0", licence=licence or "")
        else:
            framework, notes = read_case(data, code=code, name=name, version=version, licence=licence)
        report = import_framework(db.session, framework, source=format_)
    except ImportFailed as exc:
        db.session.rollback()
        for error in exc.errors[:MAX_ERRORS_PER_FILE]:
            click.echo(f"{file.name}: {error}", err=True)
        if len(exc.errors) > MAX_ERRORS_PER_FILE:
            click.echo(f"{file.name}: and {len(exc.errors) - MAX_ERRORS_PER_FILE:,} more problems", err=True)
        message = f"{len(exc.errors)} problem(s) in {file.name}; nothing was imported"
        raise click.ClickException(message) from exc
    except ValidationFailed as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    for note in notes:
        click.echo(f"note: {note}")
    for line in report.lines():
        click.echo(line)
    if not report:
        click.echo(f"framework {framework.code}: nothing changed.")


@frameworks_cli.command("list")
@with_appcontext
def list_command() -> None:
    """Each framework with its version and counts of areas, competencies and levels."""
    def counted(model, *where):
        return (select(model.framework_id, func.count().label("n")).where(*where)
                .group_by(model.framework_id).subquery())

    areas = counted(Area)
    competencies = counted(Competency, Competency.retired.is_(False))
    retired = counted(Competency, Competency.retired.is_(True))
    levels = counted(ProficiencyLevel)
    rows = db.session.execute(
        select(Framework, areas.c.n, competencies.c.n, retired.c.n, levels.c.n)
        .outerjoin(areas, areas.c.framework_id == Framework.id)
        .outerjoin(competencies, competencies.c.framework_id == Framework.id)
        .outerjoin(retired, retired.c.framework_id == Framework.id)
        .outerjoin(levels, levels.c.framework_id == Framework.id)
        .order_by(Framework.code)).all()
    if not rows:
        click.echo("No frameworks. Run `flask content sync` or `flask frameworks import FILE`.")
        return
    click.echo(f"{'code':<24} {'version':<12} {'areas':>5} {'competencies':>12} {'levels':>6}  "
               f"{'source':<8} name")
    for framework, n_areas, n_competencies, n_retired, n_levels in rows:
        count = str(n_competencies or 0) + (f" (+{n_retired} retired)" if n_retired else "")
        click.echo(f"{framework.code:<24} {framework.version:<12} {n_areas or 0:>5} {count:>12} "
                   f"{n_levels or 0:>6}  {framework.source:<8} {framework.name}")
