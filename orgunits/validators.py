"""What may be stored: slugs that every URL and data file accepts, text that every output can carry.

The same checks serve the admin (as model field validators), the services and the interchange
validator, so that whatever one door lets in, the others (export, import, the SVG chart) accept.
"""
import re

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*\Z")

validate_org_slug = RegexValidator(
    SLUG_RE,
    _("Use lowercase letters a–z, digits and single hyphens between them (e.g. “general-office”)."),
    code="invalid_slug",
)

# Control characters other than tab, line feed and carriage return; surrogates; and Unicode's
# non-characters (U+FDD0–U+FDEF and the last two code points of every plane). XML cannot carry
# most of them, and none belongs in an office's data.
_FORBIDDEN = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef"
    + "".join(f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(17))
    + "]"
)


def forbidden_character(text):
    """The first character of `text` that may not be stored, or None."""
    match = _FORBIDDEN.search(text)
    return match.group() if match else None


def strip_forbidden_characters(text):
    """`text` without the characters `validate_printable_text` refuses (for output of older data)."""
    return _FORBIDDEN.sub("", text)


def validate_printable_text(value):
    """Refuse control characters and non-characters (they break the SVG chart, exports and terminals)."""
    if not isinstance(value, str):
        return
    char = forbidden_character(value)
    if char is not None:
        raise ValidationError(
            _("Remove the invisible control character U+%(code)s from this text."),
            code="control_character",
            params={"code": f"{ord(char):04X}"},
        )
