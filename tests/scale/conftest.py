"""Many offices, made by the scale data maker from the five real ones."""
import copy
import functools
import importlib.util
from pathlib import Path

import pytest

_SPEC = importlib.util.spec_from_file_location(
    "make_scale_data", Path(__file__).resolve().parents[2] / "scripts" / "make_scale_data.py"
)
make_scale_data = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(make_scale_data)

SCALE_OFFICES = 36  # every province once, then cities


@functools.cache
def _real_offices():
    return make_scale_data.read_real_offices()


def scale_data(count=SCALE_OFFICES):
    """`count` offices in the export shape, fresh each call (import normalises in place)."""
    offices, subjects = copy.deepcopy(_real_offices())
    return make_scale_data.to_export_shape(make_scale_data.make_offices(count, offices), subjects)


@pytest.fixture
def many_offices(db):
    """The five real offices plus SCALE_OFFICES generated ones."""
    from orgunits.services import org_import

    org_import(data=scale_data())
