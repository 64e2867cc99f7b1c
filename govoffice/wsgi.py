"""WSGI entry point, e.g. `gunicorn govoffice.wsgi`."""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govoffice.settings")

application = get_wsgi_application()

# The router's dictionaries load as the server starts, not in its first routing request.
from routing.text import load_dictionaries  # noqa: E402  (needs the apps loaded above)

load_dictionaries()
