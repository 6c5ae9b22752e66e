"""Server-side SVG geometry for a country's stage history (no JavaScript).

``stage_history(runs, now)`` turns ``queries.history_runs`` into numbers a
template draws: one dot per stage at each change of the determination, and a step
line through the highest stage over time, carried on to today. The page shows a
table with the same data beside it.
"""

from html import escape

from django.utils import dateformat, timezone
from django.utils.safestring import mark_safe

WIDTH, HEIGHT = 520, 290
LEFT, RIGHT, TOP, BOTTOM = 40, 16, 14, 48
STAGES = range(1, 11)
MAX_X_LABELS = 4
# Labels are drawn at LABEL_SIZE user units: on a phone 390 px wide the chart is about
# 366 px across (0.7 px a unit), so they render at 12.6 px, not the 9.8 px that 14
# units gave. A date label ("30 November 2020") is about 140 units wide.
LABEL_SIZE = 18
MIN_LABEL_GAP = 220  # user units between the centres of two date labels
DATE_FORMAT = "j F Y"  # as every date on the page reads


def _y(stage):
    plot = HEIGHT - TOP - BOTTOM
    return round(TOP + (10 - stage) * plot / 9, 1)


def _title(point):
    return getattr(point, "first", point).alert_title


def _date(moment):
    return dateformat.format(timezone.localtime(moment), DATE_FORMAT)


def _anchor(x):
    if x - LEFT < MIN_LABEL_GAP / 2:
        return "start"
    if WIDTH - RIGHT - x < MIN_LABEL_GAP / 2:
        return "end"
    return "middle"


def stage_history(points, now=None):
    """Geometry for the chart, or None when there is nothing to draw.

    ``points`` are runs (or points) with ``go_live_at``, ``stages``, ``highest``, and
    ``first.alert_title`` or ``alert_title``.
    """
    if not points:
        return None
    now = now or timezone.now()
    plot_width = WIDTH - LEFT - RIGHT
    start = points[0].go_live_at
    end = max(now, points[-1].go_live_at)
    span = (end - start).total_seconds()

    def x(moment):
        if span <= 0:
            return float(LEFT)
        return round(LEFT + plot_width * (moment - start).total_seconds() / span, 1)

    markers = []
    path = []
    for point in points:
        px = x(point.go_live_at)
        for stage in point.stages:
            markers.append(
                {
                    "x": px,
                    "y": _y(stage),
                    "stage": stage,
                    "highest": stage == point.highest,
                    "label": f"{_date(point.go_live_at)}: stage {stage} ({_title(point)})",
                }
            )
        hy = _y(point.highest)
        path.append(f"M{px} {hy}" if not path else f"H{px} V{hy}")
    path.append(f"H{WIDTH - RIGHT}")  # the current stage holds until today

    moments = [p.go_live_at for p in points]
    if len(moments) > MAX_X_LABELS:
        moments = [moments[0], moments[-1]]
    moments.append(end)
    x_labels = []
    for moment in moments:
        px = x(moment)
        text = _date(moment)
        if any(abs(label["x"] - px) < MIN_LABEL_GAP or label["text"] == text for label in x_labels):
            continue
        x_labels.append({"x": px, "text": text, "anchor": _anchor(px)})

    # Coordinates leave here as text: a number in a template goes through
    # localisation, which was a third of a long history's page.
    for item in (*markers, *x_labels):
        item["x"] = str(item["x"])
    for marker in markers:
        marker["y"] = str(marker["y"])
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "axis_y": HEIGHT - BOTTOM,
        "label_y": HEIGHT - BOTTOM + 28,
        "label_size": LABEL_SIZE,
        "gridlines": [{"y": _y(s), "stage": s, "label_y": _y(s) + 6} for s in STAGES],
        "markers": markers,
        "marker_elements": marker_elements(markers),
        "path": " ".join(path),
        "x_labels": x_labels,
    }


def marker_elements(markers):
    """The markers as SVG circles, each titled with what it marks.

    Made here, not in a template loop: a long history has hundreds of markers, and
    the loop was the slowest part of its country page (17 ms for 380; Django's
    format_html, which escapes every value, 11 ms). The coordinates are numbers
    made above; the label, which holds an alert's title, is escaped.
    """
    return mark_safe(
        "\n".join(
            f'<circle cx="{m["x"]}" cy="{m["y"]}" r="{"6" if m["highest"] else "4.5"}" '
            f'fill="{"#8b0000" if m["highest"] else "#fff"}" stroke="#8b0000" '
            f'stroke-width="2" class="marker"><title>{escape(m["label"])}</title></circle>'
            for m in markers
        )
    )
