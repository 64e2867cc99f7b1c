#!/usr/bin/env python
"""Django's command-line utility for administrative tasks.

As in cookiecutter-django, manage.py defaults to development and the WSGI entry to production:
without a SECRET_KEY in the environment, commands run with DEBUG on (a laptop, a fresh clone).
Production sets SECRET_KEY, and then DEBUG is off unless asked for.
"""
import importlib
import os
import sys


def main():
    if not os.environ.get("SECRET_KEY"):
        os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govoffice.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line
    from django.db import DatabaseError

    try:
        # Read the settings (and so the environment) now, so that a missing setting is one line.
        importlib.import_module(os.environ["DJANGO_SETTINGS_MODULE"])
    except ImproperlyConfigured as exc:
        sys.exit(f"manage.py: {exc}")
    try:
        execute_from_command_line(sys.argv)
    except DatabaseError as exc:
        message = str(exc).strip()
        if "no such table" in message or "does not exist" in message:
            message += " (run `manage.py migrate`, then `manage.py load_org`)"
        sys.exit(f"manage.py: database error: {message}")


if __name__ == "__main__":
    main()
