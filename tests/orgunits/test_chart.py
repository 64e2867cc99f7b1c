"""The org chart layout: every unit placed once, in columns under the root, no boxes overlapping, text wrapped."""
from types import SimpleNamespace

import pytest

from orgunits.chart import _balanced_columns, chart_layout, text_width, wrap


def tree(outline):
    """Units from an indented outline, one name per line, two spaces per level."""
    units, stack = [], []
    for number, line in enumerate(outline.strip("\n").splitlines(), start=1):
        depth = (len(line) - len(line.lstrip())) // 2
        del stack[depth:]
        units.append(SimpleNamespace(pk=number, parent_id=stack[-1] if stack else None, name=line.strip()))
        stack.append(number)
    return units


def layout(units):
    return chart_layout(
        units=units,
        primary=lambda unit: unit.name,
        secondary=lambda unit: unit.name.upper(),
        primary_lang="en",
        secondary_lang="en",
    )


def overlaps(a, b):
    return not (a.x + a.width <= b.x or b.x + b.width <= a.x or a.y + a.height <= b.y or b.y + b.height <= a.y)


OUTLINE = "\n".join(
    ["General Office"]
    + [f"  Division {n}" for n in range(1, 15)]
    + ["  Emergency Office", "    Duty Room", "    Plans Room", "      Night desk", "  Research Office"]
    + [f"    Research Division {n} with a rather long name that wraps" for n in range(1, 4)]
)


def test_every_unit_is_placed_once_inside_the_picture_without_overlaps():
    units = tree(OUTLINE)
    chart = layout(units)
    assert sorted(box.unit.pk for box in chart.boxes) == [unit.pk for unit in units]
    for index, box in enumerate(chart.boxes):
        assert 0 <= box.x and box.x + box.width <= chart.width
        assert 0 <= box.y and box.y + box.height <= chart.height
        for other in chart.boxes[index + 1 :]:
            assert not overlaps(box, other), (box.unit.name, other.unit.name)


def test_the_root_is_on_top_and_children_sit_below_and_right_of_their_parent():
    chart = layout(tree(OUTLINE))
    boxes = {box.unit.pk: box for box in chart.boxes}
    root = chart.boxes[0]
    assert root.unit.parent_id is None
    for box in chart.boxes[1:]:
        parent = boxes[box.unit.parent_id]
        assert box.y >= parent.bottom
        if parent is not root:
            assert box.x > parent.x


def test_top_units_are_split_into_at_most_four_columns_in_order():
    chart = layout(tree(OUTLINE))
    tops = [box for box in chart.boxes if box.depth == 1]
    columns = sorted({box.x for box in tops})
    assert 1 < len(columns) <= 4
    # Reading column by column, top to bottom, gives the source order.
    reading = sorted(tops, key=lambda box: (box.x, box.y))
    assert [box.unit.pk for box in reading] == [box.unit.pk for box in tops]


def test_one_connector_per_unit_plus_the_spines():
    units = tree(OUTLINE)
    chart = layout(units)
    assert len(chart.connectors) >= len(units) - 1
    assert all(path.startswith("M") and "L" in path for path in chart.connectors)


def test_an_office_with_one_unit_and_one_with_none():
    chart = layout(tree("General Office"))
    assert [box.unit.name for box in chart.boxes] == ["General Office"]
    assert chart.connectors == []
    empty = layout([])
    assert empty.boxes == [] and empty.width > 0


def test_balanced_columns_minimise_the_tallest_column():
    assert _balanced_columns([1, 1, 1, 1], 2) == [2, 2]
    assert _balanced_columns([5, 1, 1, 1, 1, 1], 2) == [1, 5]
    assert _balanced_columns([3], 4) == [1]
    assert sum(_balanced_columns([2, 7, 1, 8, 2, 8], 4)) == 6


@pytest.mark.parametrize(
    "text",
    [
        "Emergency Duty Room (General Duty Room of the Provincial People's Government)",
        "吉林省人民政府应急管理办公室（吉林省人民政府总值班室）",
        "Supercalifragilisticexpialidociousdivisionwithoutspaces",
    ],
)
def test_wrapped_lines_keep_every_character_and_fit_unless_a_word_is_too_long(text):
    lines = wrap(text, 200, 13)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    for line in lines:
        assert text_width(line, 13) <= 200 or " " not in line and not any("\u4e00" <= c <= "\u9fff" for c in line)


def test_closing_punctuation_never_starts_a_line():
    for width in range(60, 300, 7):
        for line in wrap("应急值守室（省人民政府总值班室）、协调处。", width, 13)[1:]:
            assert line[0] not in "）、。"
