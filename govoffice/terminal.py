"""Text that commands echo back to a terminal."""
import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def printable(text):
    """Show control characters as escapes, so that echoed input cannot drive the terminal."""
    return _CONTROL.sub(lambda match: repr(match.group(0))[1:-1], str(text))
