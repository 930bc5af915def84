"""Ward maps: choropleths of the borough's wards in five quintile classes (matplotlib on geopandas).

Pure functions: boundaries and values in, figure (or PNG) and words out; they compute nothing but the
classes, and those with `pipeline.methods.quantiles.assign_quantiles` (the `phe_quantile` rule the
deprivation quintiles use). Imported only when a ward vintage names its boundaries, so `fsot --help`,
`fsot method` and a report without maps never load geopandas, shapely or pyogrio.

Choices, each for a reason a reader can check:
- classes: quintile classes of the borough's wards (class 1 = the worst fifth: most deprived, or worst
  by the indicator's polarity), ties in one class, as Fingertips assigns deprivation quintiles;
- palette: ColorBrewer YlGnBu, 5 classes (Brewer & Harrower: colour-blind safe, print and photocopy
  friendly), lightness falling steadily with the class, so darker = worse in colour and in grey;
- a ward without a value is white and hatched ("no value" in the legend), never a colour of the scale;
- target areas: the outline of their wards together, a thick black line over a white one, each area
  with its own dash pattern, named in the legend (not told apart by colour alone);
- ward names: a number on each ward (white halo) and a key of numbered names beside the map, since the
  town-centre wards are too small to carry a name; the numbers follow the names alphabetically;
- geometry is drawn in the British National Grid (EPSG:27700), so shapes and distances are true.
"""

from __future__ import annotations

import gzip
import io
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import geopandas as gpd  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib import patheffects  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from pipeline.methods.quantiles import assign_quantiles  # noqa: E402
from pipeline.report import style  # noqa: E402

style.apply(plt)

CLASSES = 5
# ColorBrewer YlGnBu, 5 classes, light to dark; index 0 is class 5 (best), index 4 class 1 (worst).
PALETTE = ("#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494")
CLASS_COLOURS = {k: PALETTE[CLASSES - k] for k in range(1, CLASSES + 1)}
NO_VALUE_HATCH = "////"
BORDER = "#4d4d4d"
PROJECTED_CRS = "EPSG:27700"  # British National Grid
# dash patterns of target areas, in order (print-safe: a line style each, named in the legend)
TARGET_DASHES = ((0, (6, 3)), (0, (1.5, 2)), (0, (7, 2, 1.5, 2)), (0, (3, 1.5, 3, 4)))
FIGSIZE = (9.2, 7.0)  # printed about 17 cm wide on A4: the key of names stays readable
DPI = 150


class BoundariesError(ValueError):
    """The boundaries file cannot be used for a map (unreadable, or without the configured property)."""


def read_boundaries(path: Path, code_column: str) -> gpd.GeoDataFrame:
    """Ward polygons from a GeoJSON file (or the gzip-compressed file, as bundled) via pyogrio:
    columns `ward_code` and `geometry`, in the file's CRS."""
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise BoundariesError(f"{path}: the gzip file is damaged ({exc})") from exc
    try:
        frame = gpd.read_file(io.BytesIO(raw), engine="pyogrio")
    except Exception as exc:  # pyogrio's DataSourceError and friends: the file is not a usable layer
        raise BoundariesError(f"{path}: not a readable GeoJSON layer ({exc})") from exc
    if code_column not in frame.columns:
        raise BoundariesError(
            f"{path}: no property {code_column!r} (it has "
            f"{', '.join(map(str, frame.columns[:8]))}); set columns = {{ code = ... }} of the "
            "source to the ward-code property"
        )
    frame = frame.rename(columns={code_column: "ward_code"})[["ward_code", "geometry"]]
    frame["ward_code"] = frame["ward_code"].astype(str).str.strip()
    return frame


def code_match(boundary_codes: Sequence[str], ward_codes: Sequence[str]) -> dict:
    """How the boundaries' codes meet the borough's wards of the vintage: the wards missing from the
    boundaries (no map can be drawn then) and the features that are no ward of the borough (left out)."""
    have, want = set(boundary_codes), set(ward_codes)
    return {
        "wards": len(want),
        "matched": len(want & have),
        "missing": sorted(want - have),
        "extra": sorted(have - want),
        "complete": bool(want) and want <= have,
    }


def quintile_classes(values: Sequence[float], higher_is_worse: bool) -> np.ndarray:
    """Quintile class (1 = worst fifth … 5 = best fifth) of each ward's value among the borough's wards,
    NaN for a missing value: `phe_quantile`'s rule (ties share a class; fewer than 5 values, no classes)."""
    import warnings

    from pipeline.methods.quantiles import QuantileWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", QuantileWarning)
        return assign_quantiles(pd.Series(values, dtype=float), nquantiles=CLASSES, invert=higher_is_worse)


def class_ranges(values: Sequence[float], classes: Sequence[float]) -> dict[int, tuple[float, float, int] | None]:
    """Each class's (lowest value, highest value, number of wards), None for a class with no ward."""
    frame = pd.DataFrame({"value": np.asarray(values, dtype=float), "cls": np.asarray(classes, dtype=float)})
    out: dict[int, tuple[float, float, int] | None] = {}
    for k in range(1, CLASSES + 1):
        chosen = frame.loc[frame["cls"] == k, "value"]
        out[k] = None if chosen.empty else (float(chosen.min()), float(chosen.max()), int(len(chosen)))
    return out


def format_value(value: float, unit: str) -> str:
    """A value as the legend and the alt text show it: 7.5%, 78.9 years, 45.2."""
    if unit == "%":
        return f"{value:.1f}%"
    return f"{value:.1f} {unit}".strip()


def legend_labels(ranges: dict, unit: str, ends: tuple[str, str]) -> dict[int, str]:
    """'1 most deprived: 45.2 to 64.3 (6 wards)'; ends name class 1 and class 5."""
    labels = {}
    for k in range(1, CLASSES + 1):
        end = f" {ends[0]}" if k == 1 else f" {ends[1]}" if k == CLASSES else ""
        span = ranges.get(k)
        if span is None:
            labels[k] = f"{k}{end}: no wards"
        else:
            lo, hi, n = span
            values = format_value(lo, unit) if lo == hi else f"{format_value(lo, unit)} to {format_value(hi, unit)}"
            labels[k] = f"{k}{end}: {values} ({n} ward{'s' if n != 1 else ''})"
    return labels


def ward_numbers(names: dict[str, str]) -> dict[str, int]:
    """A number for each ward code, following the ward names alphabetically (then the codes)."""
    ordered = sorted(names, key=lambda code: (names[code].casefold(), code))
    return {code: n for n, code in enumerate(ordered, start=1)}


def _outline(geometry):
    """The outline of a set of polygons (their union), as a GeoSeries to draw."""
    return gpd.GeoSeries([geometry.union_all()], crs=geometry.crs)


def draw_map(
    wards: gpd.GeoDataFrame,
    labels: dict[int, str],
    title: str,
    legend_title: str,
    target_areas: Sequence[tuple[str, Sequence[str]]] = (),
    sources: str = "",
    demonstration: bool = False,
):
    """A choropleth of `wards` (columns ward_code, ward_name, cls (1-5 or NaN), geometry): one patch
    collection per class, hatched where there is no class, target areas outlined, each ward numbered
    with a numbered key of names beside it. Returns the figure (the caller saves and closes it)."""
    drawn = wards.to_crs(PROJECTED_CRS) if wards.crs is not None and wards.crs.is_geographic else wards
    drawn = drawn.reset_index(drop=True)
    numbers = ward_numbers(dict(zip(drawn["ward_code"], drawn["ward_name"])))
    fig = plt.figure(figsize=FIGSIZE)
    ax = fig.add_axes((0.01, 0.13, 0.55, 0.77))
    key = fig.add_axes((0.58, 0.13, 0.41, 0.77))
    ax.set_axis_off()
    key.set_axis_off()
    fig.text(0.01, 0.975, title, fontsize=12, fontweight="bold", ha="left", va="top", wrap=True)
    classes = drawn["cls"]
    for k in range(1, CLASSES + 1):
        chosen = drawn[classes == k]
        if len(chosen):
            chosen.plot(ax=ax, facecolor=CLASS_COLOURS[k], edgecolor=BORDER, linewidth=0.6, gid=f"class-{k}")
    missing = drawn[classes.isna()]
    if len(missing):
        missing.plot(ax=ax, facecolor="white", edgecolor=BORDER, linewidth=0.6, hatch=NO_VALUE_HATCH, gid="no-value")
    handles = [
        Patch(facecolor=CLASS_COLOURS[k], edgecolor=BORDER, linewidth=0.6, label=labels[k])
        for k in range(1, CLASSES + 1)
    ]
    if len(missing):
        handles.append(
            Patch(
                facecolor="white",
                edgecolor=BORDER,
                hatch=NO_VALUE_HATCH,
                linewidth=0.6,
                label="no value (suppressed or not published)",
            )
        )
    for n, (name, codes) in enumerate(target_areas):
        members = drawn[drawn["ward_code"].isin(set(codes))]
        if members.empty:
            continue
        dash = TARGET_DASHES[n % len(TARGET_DASHES)]
        outline = _outline(members).boundary
        outline.plot(ax=ax, color="white", linewidth=4.6, gid=f"target-halo-{n}")
        outline.plot(ax=ax, color="black", linewidth=2.6, linestyle=dash, gid=f"target-{n}")
        handles.append(Line2D([], [], color="black", linewidth=2.6, linestyle=dash, label=f"Target area: {name}"))
    halo = [patheffects.withStroke(linewidth=2.6, foreground="white")]
    for row in drawn.itertuples():
        point = row.geometry.representative_point()
        ax.text(
            point.x,
            point.y,
            str(numbers[row.ward_code]),
            fontsize=8,
            fontweight="bold",
            ha="center",
            va="center",
            color="black",
            path_effects=halo,
            gid="ward-number",
        )
    ax.set_aspect("equal")
    legend = key.legend(
        handles=handles,
        title=legend_title,
        loc="upper left",
        bbox_to_anchor=(0, 1),
        fontsize=8.2,
        title_fontsize=8.5,
        frameon=False,
        alignment="left",
        handlelength=3.2,
        handleheight=1.3,
    )
    legend.get_title().set_fontweight("bold")
    ordered = sorted(numbers.items(), key=lambda item: item[1])
    # the key of names begins below the legend, wherever its (wrapped) title and entries end
    extent = legend.get_window_extent(renderer=fig.canvas.get_renderer())
    top = key.transAxes.inverted().transform((extent.x0, extent.y0))[1] - 0.05
    key.text(0, top, "Wards", fontsize=8.5, fontweight="bold", ha="left", va="top")
    per_column = (len(ordered) + 1) // 2
    step = min(0.034, (top - 0.03) / max(per_column, 1))
    names = dict(zip(drawn["ward_code"], drawn["ward_name"]))
    renderer = fig.canvas.get_renderer()
    left, right_edge = 0.0, 0.0
    for i, (code, number) in enumerate(ordered):
        column, line = divmod(i, per_column)
        if column and line == 0:  # the second column starts clear of the first column's longest name
            left = max(0.5, right_edge + 0.03)
        text = key.text(
            left,
            top - (line + 1.3) * step,
            f"{number:>2}  {names[code]}",
            fontsize=8,
            ha="left",
            va="top",
            gid="ward-key",
        )
        extent = text.get_window_extent(renderer=renderer)
        right_edge = max(right_edge, key.transAxes.inverted().transform((extent.x1, extent.y1))[0])
    style.footer(fig, sources, demonstration)
    return fig


def save(fig, path: Path, dpi: int = DPI) -> None:
    """The figure as a PNG of at most 256 colours (a map has few: the five classes, grey and text), a
    quarter of the full-colour file's size for the same picture, so six maps keep the page light.
    Pillow's octree quantizer is deterministic: the same figure gives the same bytes."""
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    fig.savefig(buffer, dpi=dpi, format="png", metadata={"Software": None})
    plt.close(fig)
    with Image.open(buffer) as image:
        image.convert("RGB").quantize(colors=256, method=Image.Quantize.FASTOCTREE).save(
            path, format="PNG", optimize=True
        )


def _names(frame: pd.DataFrame, cls: int) -> list[str]:
    return sorted(frame.loc[frame["cls"] == cls, "ward_name"].astype(str), key=str.casefold)


def alt_text(
    wards: pd.DataFrame,
    subject: str,
    ranges: dict,
    unit: str,
    ends: tuple[str, str],
    darker: str,
    target_areas: Sequence[tuple[str, Sequence[str]]] = (),
) -> str:
    """What a map shows, in words: which wards are in the first and the last class (with the class
    ranges), which have no value, and which wards each target area outlines."""
    parts = [
        f"Map of {subject}: {len(wards)} wards shaded in five quintile classes of the borough's wards, "
        f"darker = {darker}."
    ]
    for k, end in ((1, ends[0]), (CLASSES, ends[1])):
        names = _names(wards, k)
        if ranges.get(k) is None:
            parts.append(f"Class {k} ({end}): no wards.")
            continue
        lo, hi, n = ranges[k]
        span = format_value(lo, unit) if lo == hi else f"{format_value(lo, unit)} to {format_value(hi, unit)}"
        parts.append(f"Class {k} ({end}, {span}), {n} ward{'s' if n != 1 else ''}: {', '.join(names)}.")
    missing = sorted(wards.loc[wards["cls"].isna(), "ward_name"].astype(str), key=str.casefold)
    if missing:
        parts.append(f"No value ({len(missing)}): {', '.join(missing)}.")
    names = dict(zip(wards["ward_code"], wards["ward_name"]))
    for area, codes in target_areas:
        inside = [names[c] for c in codes if c in names]
        if inside:
            parts.append(f"Target area {area}, outlined with a thick dashed line: {', '.join(inside)}.")
    return " ".join(parts)
