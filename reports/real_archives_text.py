"""The printed report of ``reports.real_archives``: the comparison table, Markdown, the context lines.

Split from ``reports/real_archives.py``, which builds the store and the figures; this
module only words what it found.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from layers.figures import UKRAINE_OFFICIAL_KM2

if TYPE_CHECKING:
    from reports.real_archives import Context

__all__ = ["attribution", "context_lines", "largest_disagreement", "markdown", "report_table"]


def _km2(value, sign: bool = False) -> str:
    if value is None or pd.isna(value):
        return "—"
    return f"{value:+,.1f}" if sign else f"{value:,.1f}"


def _pct(value) -> str:
    return "—" if value is None or pd.isna(value) else f"{value:+.2f} %"


def _reported(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _snapshots(row) -> str:
    if row["comparison"] != "compared":
        return row["comparison"]
    if row["computed_from"] is not None and not pd.isna(row["computed_from"]):
        return f"{row['computed_from']} → {row['computed_as_of']}"
    if row["measure"] == "peak to date":
        return f"{row['computed_as_of']} (peak)"
    return str(row["computed_as_of"])


def _scope(row) -> str:
    where = {"": "unclipped", "RUS": "within RUS", "UKR": "within UKR"}.get(
        row["within"], f"within {row['within']}"
    )
    return f"{row['scope']}; {where}" if row["layer"] else row["scope"]


def report_table(compared: pd.DataFrame) -> pd.DataFrame:
    """The comparison as display strings, in the README table's columns."""
    return pd.DataFrame(
        {
            "date": compared["date"].astype(str),
            "scope": [_scope(r) for r in compared.to_dict("records")],
            "measure": compared["measure"],
            "kind": compared["kind"],
            "source": compared["source"],
            "reported km²": compared["reported_km2"].map(_reported),
            "map km²": compared["computed_km2"].map(_km2),
            "snapshots used": [_snapshots(r) for r in compared.to_dict("records")],
            "difference km²": compared["difference_km2"].map(lambda v: _km2(v, sign=True)),
            "difference %": compared["difference_pct"].map(_pct),
        }
    )


def markdown(table: pd.DataFrame) -> str:
    def cell(text) -> str:
        return str(text).replace("|", "\\|")

    lines = ["| " + " | ".join(table.columns) + " |", "|" + "|".join("---" for _ in table.columns) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in table.itertuples(index=False)]
    return "\n".join(lines)


def largest_disagreement(compared: pd.DataFrame) -> pd.Series | None:
    """The compared figure farthest from the map, in km² (its relative gap is in the row)."""
    done = compared[compared["comparison"] == "compared"]
    if done.empty:
        return None
    return done.loc[done["difference_km2"].abs().idxmax()]


def context_lines(ctx: Context, compared: pd.DataFrame, md: bool) -> list[str]:
    bullet = "- " if md else "  "
    lines = []

    def heading(text):
        lines.extend(["", f"### {text}" if md else f"{text}:"])

    heading(
        f"Occupied area on {ctx.total_date} (snapshot {ctx.total_snapshot}), "
        f"against Ukraine's official {UKRAINE_OFFICIAL_KM2:,.0f} km²"
    )
    outside = ctx.total_unclipped - ctx.total_ukr - ctx.total_rus
    lines += [
        f"{bullet}unclipped (DeepStateMap's method, Crimea included): {ctx.total_unclipped:,.1f} km² "
        f"= {100 * ctx.total_unclipped / UKRAINE_OFFICIAL_KM2:.2f} %",
        f"{bullet}within UKR (our border, Crimea included): {ctx.total_ukr:,.1f} km² "
        f"= {100 * ctx.total_ukr / UKRAINE_OFFICIAL_KM2:.2f} %",
        f"{bullet}the difference, {ctx.total_unclipped - ctx.total_ukr:,.1f} km², "
        "is where Natural Earth's border and coast differ from "
        f"DeepStateMap's drawing: {ctx.total_rus:,.1f} km² on Russia's side of the border line, "
        f"{outside:,.1f} km² in neither country (coast)",
    ]
    if not ctx.changes.empty:
        heading(
            "Gross gains vs net change of the RU-held area "
            "(change between the two snapshots, unclipped and within UKR)"
        )
        table = pd.DataFrame(
            {
                "period": [f"{r.from_snapshot} → {r.to_snapshot}" for r in ctx.changes.itertuples()],
                "reported km²": ctx.changes["reported_km2"].map(_reported),
                "source": ctx.changes["source"],
                "gained km²": ctx.changes["gained_km2"].map(_km2),
                "lost km²": ctx.changes["lost_km2"].map(_km2),
                "net km²": ctx.changes["net_km2"].map(_km2),
                "gained within UKR": ctx.changes["gained_km2_ukr"].map(_km2),
                "net within UKR": ctx.changes["net_km2_ukr"].map(_km2),
            }
        )
        lines += ["", markdown(table) if md else table.to_string(index=False)]
    heading(
        "Kursk: the mapped Ukrainian-held area inside Russia (DeepStateMap), "
        "held and held + grey zone, at each figure's date"
    )
    peak_date, peak = ctx.kursk_peak
    august_date, august = ctx.kursk_august_peak
    lines += [
        f"{bullet}peak: {peak:,.1f} km² on {peak_date} "
        f"(August 2024's largest: {august:,.1f} km² on {august_date})",
    ]
    if not ctx.kursk_at_figures.empty:
        table = pd.DataFrame(
            {
                "figure date": ctx.kursk_at_figures["date"].astype(str),
                "kind": ctx.kursk_at_figures["kind"],
                "reported km²": ctx.kursk_at_figures["reported_km2"].map(_reported),
                "snapshot": ctx.kursk_at_figures["snapshot"].astype(str),
                "UA held km²": ctx.kursk_at_figures["held_km2"].map(_km2),
                "UA held + grey zone km²": ctx.kursk_at_figures["held_and_grey_km2"].map(_km2),
            }
        )
        lines += ["", markdown(table) if md else table.to_string(index=False)]
    worst = largest_disagreement(compared)
    if worst is not None:
        heading("Largest disagreement")
        lines.append(
            f"{bullet}{worst['date']}, {worst['scope']} ({worst['kind']}, {worst['source']}): "
            f"reported {_reported(worst['reported_km2'])} km², "
            f"map {_km2(worst['computed_km2'])} km² "
            f"({_km2(worst['difference_km2'], sign=True)} km², {_pct(worst['difference_pct'])})"
        )
    heading("Timings on this machine")
    lines += [f"{bullet}{name}: {text}" for name, text in ctx.timings.items()]
    return lines


def attribution() -> str:
    return (
        "Data: DeepStateMap (reuse terms reported as CC BY-NC-SA 4.0); daily occupied-area archive by "
        "cyterat/deepstate-map-data (GPL-3.0), raw Kursk snapshots by DanielRose2310/deepstatemaps-history."
    )
