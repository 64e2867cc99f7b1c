"""The learning curve as a stand-alone SVG picture (for docs/performance.md), drawn without a plotting library."""
from xml.sax.saxutils import escape

WIDTH, HEIGHT = 640, 360
LEFT, RIGHT, TOP, BOTTOM = 60, 150, 30, 50
COLOURS = ("#1d70b8", "#00703c", "#d4351c", "#f47738", "#4c2c92", "#5694ca", "#85994b", "#912b88")


def learning_curve_svg(curve, title="Top-1 accuracy by records per office (cross-validated)"):
    """Lines of accuracy (0-100 %) against the records per office used for training, one per office and overall.

    The x axis is evenly spaced by point (0, 100, 1,000, all), since the sizes span three orders of magnitude.
    """
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_width / max(len(curve) - 1, 1)

    def x(position):
        return LEFT + position * step

    def y(accuracy):
        return TOP + plot_height * (1 - accuracy)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'font-family="sans-serif" font-size="12" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
        f'<text x="{LEFT}" y="18" font-weight="bold">{escape(title)}</text>',
    ]
    for tick in range(0, 101, 20):
        parts.append(f'<line x1="{LEFT}" x2="{LEFT + plot_width}" y1="{y(tick / 100):.1f}" y2="{y(tick / 100):.1f}" '
                     f'stroke="#e0e0e0"/>')
        parts.append(f'<text x="{LEFT - 8}" y="{y(tick / 100) + 4:.1f}" text-anchor="end">{tick} %</text>')
    for position, point in enumerate(curve):
        used = f"{point['records_per_office']:,}"
        label = f"all ({used})" if point["size"] is None else used
        parts.append(f'<text x="{x(position):.1f}" y="{TOP + plot_height + 18}" text-anchor="middle">'
                     f"{escape(label)}</text>")
    parts.append(f'<text x="{LEFT + plot_width / 2:.1f}" y="{HEIGHT - 10}" text-anchor="middle">'
                 "records per office used for training</text>")
    offices = sorted({office for point in curve for office in point["by_office"]})
    series = [("overall", [point["accuracy"] for point in curve], 3)]
    series += [(office, [point["by_office"].get(office, 0.0) for point in curve], 1.5) for office in offices]
    for number, (name, values, stroke) in enumerate(series):
        colour = COLOURS[number % len(COLOURS)]
        points = " ".join(f"{x(position):.1f},{y(value):.1f}" for position, value in enumerate(values))
        parts.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="{stroke}"/>')
        for position, value in enumerate(values):
            parts.append(f'<circle cx="{x(position):.1f}" cy="{y(value):.1f}" r="3" fill="{colour}"/>')
        legend_y = TOP + 10 + number * 18
        parts.append(f'<line x1="{WIDTH - RIGHT + 15}" x2="{WIDTH - RIGHT + 35}" y1="{legend_y}" y2="{legend_y}" '
                     f'stroke="{colour}" stroke-width="{stroke}"/>')
        parts.append(f'<text x="{WIDTH - RIGHT + 40}" y="{legend_y + 4}">{escape(name)} {values[-1]:.0%}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
