"""A patient's report for a period: a printable PDF with the plots, and the reps as CSV.

fpdf2: pure Python, a few hundred kB, writes PDF directly with vector lines
and rectangles, so the plots are drawn from the same chart descriptions as the
pages (plots.py) and stay sharp when printed; ReportLab would do the same with
a larger library and a C extension to build on a Pi, and matplotlib would add
tens of MB to the dashboard's memory for a few bar charts.
"""

from __future__ import annotations

import csv
import io
import sys
from datetime import date, datetime
from typing import Optional

from .clinic import Patient, Prescription
from .history import Session, Trend
from .plots import draw_pdf, rep_rounding_chart, trend_good_chart, trend_rounding_chart

VERDICT_WORDS = {"good": "good", "rounded": "rounded", "shallow": "shallow", "knee_lock": "knee lock",
                 "heel_lift": "heel lift", "too_fast": "too fast", "unchecked": "unchecked", "squat": "squat"}


def _fpdf():
    """fpdf2's FPDF class, imported without numpy.

    fpdf2 uses numpy only to speed up embedded raster images, and the report has
    none; loading numpy would add about 30 MB to the dashboard's resident memory
    (its target on a Pi is 80 MB). A process that already has numpy keeps it.
    """
    if "numpy" in sys.modules:
        from fpdf import FPDF

        return FPDF
    sys.modules["numpy"] = None  # type: ignore[assignment]  # `import numpy` raises ImportError meanwhile
    try:
        from fpdf import FPDF
    finally:
        del sys.modules["numpy"]
    return FPDF


def _t(text: object) -> str:
    """Text for the PDF's core font (Latin-1): anything else becomes '?' rather than failing."""
    return str(text).replace("\u2013", "-").replace("\u2014", "-").encode("latin-1", "replace").decode("latin-1")


def _n(k: int, word: str) -> str:
    return f"{k} {word}" + ("" if k == 1 else "s")


def _pct(v: Optional[float]) -> str:
    return "-" if v is None else f"{100 * v:.0f}%"


def _deg(v: Optional[float]) -> str:
    return "-" if v is None else f"{v:.1f} deg"


def pdf_report(patient: Patient, prescription: Optional[Prescription], sessions: list[Session], tr: Trend,
               day_from: date, day_to: date, *, clinic_name: str = "WallHinge") -> bytes:
    FPDF = _fpdf()
    threshold = prescription.rounding_deg if prescription else 10.0
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_title(_t(f"WallHinge report {patient.code} {day_from} to {day_to}"))
    pdf.set_creator("WallHinge dashboard")
    pdf.set_auto_page_break(True, margin=15)
    pdf.set_margins(15, 15, 15)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 9, _t(f"Hip-hinge wall drill: {patient.code}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    pdf.cell(0, 6, _t(f"Period {day_from:%d %b %Y} to {day_to:%d %b %Y}    printed {datetime.now():%d %b %Y %H:%M}"),
             new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(0, 7, "Prescription", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    if prescription:
        lines = [f"{prescription.sets} sets x {prescription.reps} reps, {prescription.days_per_week} days a week",
                 f"Checks on: {prescription.checks_text}; rounding limit {prescription.rounding_deg:g} deg; "
                 f"a rep faster than {prescription.min_rep_s:g} s is too fast"]
        if prescription.note:
            lines.append(f"Note: {prescription.note}")
    else:
        lines = ["No prescription yet."]
    for ln in lines:
        pdf.multi_cell(0, 5.5, _t(ln), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(0, 7, "Summary", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    reps = [r for s in sessions for r in s.reps]
    good = sum(1 for r in reps if r["verdict"] == "good")
    summary = [f"Days trained {tr.days_trained} of {tr.days_prescribed} prescribed (adherence {_pct(tr.adherence)}), "
               f"counted from {max(day_from, prescription.since) if prescription else day_from:%d %b %Y}"
               if tr.days_prescribed else f"Days trained {tr.days_trained}",
               f"{_n(len(sessions), 'session')}, {_n(sum(len(s.sets) for s in sessions), 'set')}, "
               f"{_n(len(reps), 'rep')}, "
               f"{good} good ({_pct(good / len(reps) if reps else None)})"]
    for ln in summary:
        pdf.cell(0, 5.5, _t(ln), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    if sessions:
        y = pdf.get_y()
        draw_pdf(pdf, trend_good_chart(tr.days, tr.good_share), 15, y, 180, 60)
        draw_pdf(pdf, trend_rounding_chart(tr.days, tr.rounding, threshold), 15, y + 62, 180, 60)
        pdf.set_y(y + 126)
    # The sessions table.
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(0, 7, "Sessions", new_x="LMARGIN", new_y="NEXT")
    cols = (("Day", 28), ("Sets", 14), ("Reps", 14), ("Good", 16), ("Share good", 24), ("Median rounding", 32),
            ("Faults seen", 52))
    pdf.set_font("Helvetica", "B", 9)
    pdf.set_fill_color(230, 234, 238)
    for name, w in cols:
        pdf.cell(w, 6, name, border=1, fill=True)
    pdf.ln()
    pdf.set_font("Helvetica", "", 9)
    for s in sorted(sessions, key=lambda s: s.day):
        faults = ", ".join(f"{VERDICT_WORDS.get(k, k)} {n}" for k, n in sorted(s.faults.items())) or "none"
        row = (s.day, len(s.sets), s.total, s.good, _pct(s.good_share), _deg(s.rounding_median), faults)
        for (name, w), v in zip(cols, row):
            pdf.cell(w, 6, _t(v)[:40], border=1)
        pdf.ln()
    if not sessions:
        pdf.cell(0, 6, "No sets in this period.", new_x="LMARGIN", new_y="NEXT")
    # One chart per session: rounding per rep, coloured by verdict.
    for s in sorted(sessions, key=lambda s: s.day)[-6:]:
        if not s.reps:
            continue
        if pdf.get_y() > 297 - 15 - 70:
            pdf.add_page()
        pdf.ln(3)
        y = pdf.get_y()
        chart = rep_rounding_chart(s.reps, threshold)
        chart.title = f"{s.day}: rounding per rep, green good, red rounded, amber other fault"
        draw_pdf(pdf, chart, 15, y, 180, 62)
        pdf.set_y(y + 64)
    return bytes(pdf.output())


CSV_COLUMNS = ("patient", "day", "set_id", "set_started_at", "rep", "verdict", "counted", "faults",
               "trunk_inclination_deg", "rounding_deg", "knee_angle_deg", "heel_lift", "duration_s", "contact",
               "seen_fraction", "rounding_near_limit")


def csv_report(patient: Patient, sessions: list[Session]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(CSV_COLUMNS)
    for s in sorted(sessions, key=lambda s: s.day):
        for st in s.sets:
            for r in st.reps:
                w.writerow([_safe_cell(patient.code), s.day, st.id, st.started_at, r["index"], r["verdict"],
                            "true" if r["counted"] else "false", ";".join(r["faults"]),
                            _cell(r["trunk_inclination_deg"]), _cell(r["rounding_deg"]), _cell(r["knee_angle_deg"]),
                            _cell(r["heel_lift"]), _cell(r["duration_s"]),
                            "" if r["contact"] is None else ("true" if r["contact"] else "false"),
                            _cell(r["seen_fraction"]), "true" if "rounding" in r.get("near_limit", []) else "false"])
    return buf.getvalue()


def _safe_cell(text: str) -> str:
    # A spreadsheet runs a cell that starts with = + - @ as a formula: never for a typed name.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _cell(v: object) -> object:
    return "" if v is None else v
