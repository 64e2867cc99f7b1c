"""Lays out a unit tree as an org chart picture: the root on top, its units in balanced columns below.

Pure layout: units in, boxes, text lines and connector paths out (numbers in SVG user units).
Text width is estimated (a Chinese character is one em wide, Latin letters about half), so that
long names wrap inside their boxes without a browser to measure them.
"""
import unicodedata
from dataclasses import dataclass, field

FONT_SIZE = 13
SMALL_FONT_SIZE = 12
LINE_HEIGHT = 17
PAD_X = 10
PAD_Y = 8
MARGIN = 20
ROOT_WIDTH = 440
COLUMN_WIDTH = 270
COLUMN_GAP = 24
INDENT = 22
ROW_GAP = 10
BUS_GAP = 22
MAX_COLUMNS = 4
NO_LINE_START = "）」』】》〉，。、；：！？)],.;:!?"


@dataclass
class Box:
    unit: object
    depth: int
    x: float = 0
    y: float = 0
    width: float = 0
    height: float = 0
    lines: list = field(default_factory=list)
    children: list = field(default_factory=list)

    @property
    def middle(self):
        return self.y + self.height / 2

    @property
    def bottom(self):
        return self.y + self.height

    @property
    def text_lines(self):
        """The lines with their baseline positions; the root's are centred."""
        centred = self.depth == 0
        x = self.x + self.width / 2 if centred else self.x + PAD_X
        return [
            {**line, "x": round(x, 1), "y": round(self.y + PAD_Y + LINE_HEIGHT * (number + 1) - 4, 1),
             "anchor": "middle" if centred else "start"}
            for number, line in enumerate(self.lines)
        ]


@dataclass
class Chart:
    width: float
    height: float
    boxes: list
    connectors: list


def chart_layout(*, units, primary, secondary, primary_lang, secondary_lang):
    """Place `units` (in tree order, each with `pk` and `parent_id`) on a chart.

    `primary` and `secondary` give the two text lines of a unit (e.g. the name in the current
    language and in the other one); `*_lang` are their language tags.
    """
    boxes = {}
    roots = []
    for unit in units:
        box = Box(unit=unit, depth=0)
        boxes[unit.pk] = box
        parent = boxes.get(unit.parent_id)
        if parent is None:
            roots.append(box)
        else:
            box.depth = parent.depth + 1
            parent.children.append(box)
    if not roots:
        return Chart(width=2 * MARGIN, height=2 * MARGIN, boxes=[], connectors=[])

    def measure(box, width):
        box.width = width
        box.lines = []
        for text, lang, size, css in (
            (primary(box.unit), primary_lang, FONT_SIZE, "name"),
            (secondary(box.unit), secondary_lang, SMALL_FONT_SIZE, "other"),
        ):
            for line in wrap(text, width - 2 * PAD_X, size):
                box.lines.append({"text": line, "lang": lang, "class": css})
        box.height = 2 * PAD_Y + LINE_HEIGHT * len(box.lines)

    def column_box_width(depth):
        return COLUMN_WIDTH - INDENT * depth

    def subtree_height(box):
        measure(box, column_box_width(box.depth))
        return box.height + sum(ROW_GAP + subtree_height(child) for child in box.children)

    root = roots[0]
    tops = root.children + roots[1:]  # a second root (never in valid data) is drawn as a top unit
    heights = [subtree_height(box) for box in tops]
    columns = _balanced_columns(heights, min(MAX_COLUMNS, len(tops)) or 1)
    column_count = len(columns)
    width = 2 * MARGIN + column_count * COLUMN_WIDTH + (column_count - 1) * COLUMN_GAP
    width = max(width, ROOT_WIDTH + 2 * MARGIN)

    measure(root, ROOT_WIDTH)
    root.x, root.y = (width - ROOT_WIDTH) / 2, MARGIN
    connectors = []
    placed = [root]
    bus_y = root.bottom + BUS_GAP
    spines = []
    height = root.bottom
    first = 0
    for index, count in enumerate(columns):
        column_x = MARGIN + index * (COLUMN_WIDTH + COLUMN_GAP)
        spine_x = column_x + INDENT / 2
        cursor = bus_y + BUS_GAP / 2
        last_middle = None
        for box in tops[first : first + count]:
            cursor = _place(box, column_x, cursor, placed, connectors)
            connectors.append(_line(spine_x, box.middle, box.x, box.middle))
            last_middle = box.middle
        first += count
        if last_middle is not None:
            spines.append(spine_x)
            connectors.append(_line(spine_x, bus_y, spine_x, last_middle))
        height = max(height, cursor)
    if spines:
        connectors.append(_line(root.x + ROOT_WIDTH / 2, root.bottom, root.x + ROOT_WIDTH / 2, bus_y))
        left, right = min(spines + [root.x + ROOT_WIDTH / 2]), max(spines + [root.x + ROOT_WIDTH / 2])
        connectors.append(_line(left, bus_y, right, bus_y))
    for box in placed:
        box.x, box.y, box.width, box.height = (round(value, 1) for value in (box.x, box.y, box.width, box.height))
    return Chart(width=round(width), height=round(height + MARGIN), boxes=placed, connectors=connectors)


def _place(box, column_x, top, placed, connectors):
    """Place `box` at `top` and its subtree below it, indented; return the y below the subtree."""
    box.x = column_x + INDENT * box.depth
    box.y = top
    placed.append(box)
    cursor = box.bottom + ROW_GAP
    if box.children:
        spine_x = box.x + INDENT / 2
        for child in box.children:
            cursor = _place(child, column_x, cursor, placed, connectors)
            connectors.append(_line(spine_x, child.middle, child.x, child.middle))
        connectors.append(_line(spine_x, box.bottom, spine_x, box.children[-1].middle))
    return cursor


def _line(x1, y1, x2, y2):
    x1, y1, x2, y2 = (round(value, 1) for value in (x1, y1, x2, y2))
    return f"M{x1:g} {y1:g}L{x2:g} {y2:g}"


def _balanced_columns(heights, count):
    """Split `heights` (in order) into `count` consecutive runs whose tallest run is as short as possible."""
    n = len(heights)
    if n == 0:
        return []
    count = min(count, n)
    prefix = [0]
    for height in heights:
        prefix.append(prefix[-1] + height)
    infinity = float("inf")
    best = [[infinity] * (n + 1) for _ in range(count + 1)]
    cut = [[0] * (n + 1) for _ in range(count + 1)]
    best[0][0] = 0
    for columns in range(1, count + 1):
        for end in range(1, n + 1):
            for start in range(columns - 1, end):
                tallest = max(best[columns - 1][start], prefix[end] - prefix[start])
                if tallest < best[columns][end]:
                    best[columns][end], cut[columns][end] = tallest, start
    sizes = []
    end = n
    for columns in range(count, 0, -1):
        start = cut[columns][end]
        sizes.append(end - start)
        end = start
    return list(reversed(sizes))


def text_width(text, size):
    """Estimated width of `text` at font `size`: wide (CJK) characters one em, others about half."""
    total = 0.0
    for char in text:
        if unicodedata.east_asian_width(char) in ("W", "F"):
            total += 1.0
        elif char.isupper() or char in "mwMW":
            total += 0.68
        elif char in "iljtf.,;:'!|() ":
            total += 0.3
        else:
            total += 0.55
    return total * size


def wrap(text, width, size):
    """Break `text` into lines no wider than `width`: between words, or between any two CJK characters."""
    tokens = []
    word = ""
    for char in text:
        if char in NO_LINE_START and tokens and not word:
            tokens[-1] += char  # closing punctuation never starts a line
        elif unicodedata.east_asian_width(char) in ("W", "F"):
            if word:
                tokens.append(word)
                word = ""
            tokens.append(char)
        elif char == " ":
            tokens.append(word + " ")
            word = ""
        else:
            word += char
    if word:
        tokens.append(word)
    lines = []
    line = ""
    for token in tokens:
        if line and text_width((line + token).rstrip(), size) > width:
            lines.append(line.rstrip())
            line = token.lstrip()
        else:
            line += token
    if line.strip():
        lines.append(line.rstrip())
    return lines or [""]
