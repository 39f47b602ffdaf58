"""The orientation report as JSON, CSV (every figure, formula-safe), Markdown and printable HTML."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

import jinja2
from markupsafe import Markup

from organisers.insights.export import to_csv
from organisers.report import report_texts as texts
from organisers.report.themes import THEMES

TEMPLATES: Final = Path(__file__).parent / "templates"
#: The gateway's static files: the admin stylesheet and Chart.js, inlined into a standalone report.
STATIC: Final = Path(__file__).resolve().parents[2] / "bot" / "static"
CSV_HEADER: Final = ("section", "theme", "role", "week", "measure", "value")


def environment(loader: jinja2.BaseLoader | None = None) -> jinja2.Environment:
    """A Jinja environment that can render the report's body (autoescaped)."""
    return jinja2.Environment(loader=loader or jinja2.FileSystemLoader(TEMPLATES), autoescape=True)


def values(report: Mapping[str, Any], **extra: Any) -> dict[str, Any]:
    """What the body template reads: the report, its language's strings, and formatting helpers."""
    lang = str(report.get("lang", "en"))
    return {
        "r": report,
        "t": lambda key, **v: texts.text(key, lang, **v),
        "pct": lambda v: "-" if v is None else f"{100 * v:.1f}%",
        "count": lambda v: "<" + str(report["min_conversations"]) if v is None else v,
        "series_by_week": [
            {"label": texts.label(t, lang), "data": [w[t] for w in report["weeks"]]} for t in THEMES
        ],
        "can_hide": False,
        "csrf": "",
        "back": "",
        **extra,
    }


def body(report: Mapping[str, Any], env: jinja2.Environment | None = None, **extra: Any) -> Markup:
    """The report's body as HTML (``extra``: ``can_hide``, ``csrf`` and ``back`` for the admin page)."""
    template = (env or environment()).get_template("report_body.html")
    return Markup(template.render(**values(report, **extra)))


def standalone(report: Mapping[str, Any]) -> str:
    """A self-contained HTML page of the report: styles and charts inlined, prints on A4."""
    style = (STATIC / "admin.css").read_text(encoding="utf-8")
    scripts = [
        (STATIC / "vendor" / "chart-4.6.1.umd.min.js").read_text(encoding="utf-8"),
        (STATIC / "admin.js").read_text(encoding="utf-8"),
    ]
    title = texts.text("title", str(report.get("lang", "en")))
    page = environment().from_string(
        "<!doctype html><html lang='{{ lang }}'><head><meta charset='utf-8'><title>{{ title }}</title>"
        "<style>{{ style }}</style></head><body><main>{{ content }}</main>"
        "{% for s in scripts %}<script>{{ s }}</script>{% endfor %}</body></html>"
    )
    return page.render(
        lang=report.get("lang", "en"),
        title=f"{title} {report['since']} – {report['until']}",
        style=Markup(style),
        content=body(report),
        scripts=[Markup(s) for s in scripts],
    )


def rows(report: Mapping[str, Any]) -> list[list[Any]]:
    """Every figure of the report, one per row (``None`` where a cell is suppressed)."""
    out: list[list[Any]] = []
    for measure in ("questions", "answered", "missed", "conversations"):
        out.append(["total", "", "", "", measure, report[measure]])
    for theme in report["themes"]:
        for measure in ("questions", "answered", "missed", "conversations", "share", "missed_share"):
            out.append(["theme", theme["theme"], "", "", measure, theme[measure]])
        for q in theme["top_questions"]:
            out.append(["asked", theme["theme"], "", "", q["text"], q["asked"]])
        for p in theme["top_passages"]:
            out.append(["served", theme["theme"], "", "", p["passage_id"], p["served"]])
    for role, cells in report["roles"].items():
        for theme, cell in cells.items():
            out.append(["role", theme, role, "", "questions", cell["questions"]])
    for week in report["weeks"]:
        for theme in THEMES:
            out.append(["week", theme, "", week["week"], "questions", week[theme]])
    for session in report["sessions"]:
        out.append(["session", session["theme"], "", "", session["title"], session["rank"]])
    return out


def as_csv(report: Mapping[str, Any]) -> str:
    """Every figure as CSV; a cell that starts like a formula is quoted so no spreadsheet runs it."""
    return to_csv(CSV_HEADER, rows(report))


def as_json(report: Mapping[str, Any]) -> str:
    """The report as JSON (UTF-8, Japanese as it is)."""
    return json.dumps(report, ensure_ascii=False, indent=2)


def as_markdown(report: Mapping[str, Any]) -> str:
    """The report as Markdown, for a planning document or an email."""
    helpers = values(report)  # the HTML's own strings and formats
    t, pct, n = helpers["t"], helpers["pct"], helpers["count"]
    lines = [f"# {t('title')}", "", t("range", since=report["since"], until=report["until"]) + "."]
    if report["comparison"]:
        lines += ["", f"**{report['comparison']}**"]
    lines += ["", f"## {t('by_theme')}", ""]
    columns = [t("theme"), t("questions"), t("missed"), t("share"), t("missed_share"), "ALT", "JTE"]
    lines += ["| " + " | ".join(columns) + " |"]
    lines += ["|---|---|---|---|---|---|---|"]
    for th in report["themes"]:
        by_role = th["by_role"]
        lines.append(
            f"| {th['label']} | {n(th['questions'])} | {n(th['missed'])} | {pct(th['share'])} "
            f"| {pct(th['missed_share'])} | {n(by_role['alt'])} | {n(by_role['jte'])} |"
        )
    lines += ["", f"## {t('sessions')}", ""]
    for s in report["sessions"]:
        lines.append(f"{s['rank']}. **{s['title']}**: {s['why']}")
        for p in s["passages"]:
            lines.append(f"   - {p['passage_id']}: {p['title']} ({p['citation']})")
        for q in s["open_with"]:
            lines.append(f"   - “{q}”")
    return "\n".join(lines) + "\n"


FORMATS: Final = {"json": as_json, "csv": as_csv, "md": as_markdown, "html": standalone}
