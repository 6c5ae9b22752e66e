"""Server-side SVG geometry for a country's stage history (no JavaScript).

``stage_history(points)`` turns ``public_data.country_history`` into numbers a template
draws: one dot per determined stage per publication, and a step line through the
highest stage over time. The page shows a table with the same data beside it.
"""

WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 44, 20, 16, 44
STAGES = range(1, 11)
MAX_X_LABELS = 6


def _y(stage):
    plot = HEIGHT - TOP - BOTTOM
    return round(TOP + (10 - stage) * plot / 9, 1)


def stage_history(points):
    """Geometry for the chart, or None when there is nothing to draw."""
    if not points:
        return None
    plot_width = WIDTH - LEFT - RIGHT
    start, end = points[0].go_live_at, points[-1].go_live_at
    span = (end - start).total_seconds()

    def x(moment):
        if span <= 0:
            return round(LEFT + plot_width / 2, 1)
        return round(LEFT + plot_width * (moment - start).total_seconds() / span, 1)

    markers = []
    path = []
    for i, point in enumerate(points):
        px = x(point.go_live_at)
        for stage in point.stages:
            markers.append(
                {
                    "x": px,
                    "y": _y(stage),
                    "stage": stage,
                    "highest": stage == point.highest,
                    "label": f"{point.go_live_at:%Y-%m-%d}: stage {stage} ({point.alert_title})",
                }
            )
        hy = _y(point.highest)
        if i == 0:
            path.append(f"M{px} {hy}")
        else:
            path.append(f"H{px} V{hy}")
    if len(points) == 1 or span <= 0:
        # A single moment: draw a short level line so the highest stage reads as a line.
        path = [f"M{LEFT} {_y(points[-1].highest)} H{WIDTH - RIGHT}"]

    label_points = points if len(points) <= MAX_X_LABELS else [points[0], points[-1]]
    x_labels = []
    for point in label_points:
        px = x(point.go_live_at)
        text = f"{point.go_live_at:%Y-%m-%d}"
        if x_labels and abs(x_labels[-1]["x"] - px) < 80:
            continue  # would overlap the previous label
        x_labels.append({"x": px, "text": text})

    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "axis_y": HEIGHT - BOTTOM,
        "label_y": HEIGHT - BOTTOM + 20,
        "gridlines": [{"y": _y(s), "stage": s, "label_y": _y(s) + 4} for s in STAGES],
        "markers": markers,
        "path": " ".join(path),
        "x_labels": x_labels,
        "highest_now": points[-1].highest,
    }
