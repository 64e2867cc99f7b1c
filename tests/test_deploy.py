"""Production settings come from the environment and pass Django's deployment checks.

Each test starts a fresh Python with production settings (`govoffice.settings`, not the test
settings), as gunicorn would.
"""
import json
import os
import secrets
import subprocess
import sys
import textwrap

import pytest
from django.conf import settings

BASE_DIR = settings.BASE_DIR


def production_env(tmp_path, **overrides):
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "govoffice.settings",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "portal.example.gov",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
        "STATIC_ROOT": str(tmp_path / "static"),
    }
    env.update(overrides)
    return {key: value for key, value in env.items() if value is not None}


def run(args, env, **kwargs):
    return subprocess.run(
        [sys.executable, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120, **kwargs
    )


def test_check_deploy_reports_nothing_under_production_settings(tmp_path):
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stderr


def test_check_deploy_does_catch_a_weak_key(tmp_path):
    """Guards the test above: the check really runs with the environment's settings."""
    env = production_env(tmp_path, SECRET_KEY="short")
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode != 0 and "security.W009" in result.stderr


def test_a_missing_secret_key_stops_production_start_up(tmp_path):
    result = run(["-c", "import govoffice.wsgi"], production_env(tmp_path, SECRET_KEY=None))
    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr
    # manage.py says so in one line when production is asked for explicitly.
    result = run(["manage.py", "check"], production_env(tmp_path, SECRET_KEY=None, DEBUG="0"))
    assert result.returncode != 0
    assert result.stderr.strip() == "manage.py: Set SECRET_KEY (or DEBUG=1 for local development)."


def bare_env(tmp_path, **extra):
    """A first-time user's shell: no DEBUG, no SECRET_KEY, no settings module."""
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite3'}", **extra}


def test_manage_py_defaults_to_development_without_a_traceback(tmp_path):
    result = run(["manage.py", "route", "coal safety"], bare_env(tmp_path))
    assert "Traceback" not in result.stderr
    assert result.returncode != 0
    assert result.stderr.strip().count("\n") == 0 and "manage.py migrate" in result.stderr
    assert run(["manage.py", "migrate", "-v0"], bare_env(tmp_path)).returncode == 0
    assert run(["manage.py", "load_org"], bare_env(tmp_path)).returncode == 0
    result = run(["manage.py", "route", "coal safety"], bare_env(tmp_path))
    assert result.returncode == 0 and "Traceback" not in result.stderr
    assert "shanxi" in result.stdout
    assert probe(bare_env(tmp_path, DJANGO_SETTINGS_MODULE="govoffice.settings", SECRET_KEY="x" * 50))["DEBUG"] is False


SETTINGS_PROBE = textwrap.dedent(
    """
    import json, django
    django.setup()
    from django.conf import settings
    db = settings.DATABASES["default"]
    print(json.dumps({
        "DEBUG": settings.DEBUG,
        "ALLOWED_HOSTS": settings.ALLOWED_HOSTS,
        "ENGINE": db["ENGINE"],
        "NAME": db["NAME"],
        "CONN_MAX_AGE": db["CONN_MAX_AGE"],
        "HEALTH_CHECKS": db["CONN_HEALTH_CHECKS"],
        "STATIC_BACKEND": settings.STORAGES["staticfiles"]["BACKEND"],
        "MIDDLEWARE": settings.MIDDLEWARE,
        "SSL": settings.SECURE_SSL_REDIRECT,
        "HSTS": settings.SECURE_HSTS_SECONDS,
        "COOKIES": [settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE],
    }))
    """
)


def probe(env):
    result = run(["-c", SETTINGS_PROBE], env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_production_is_the_default_and_reads_the_environment(tmp_path):
    env = production_env(
        tmp_path,
        ALLOWED_HOSTS="portal.example.gov, www.portal.example.gov",
        DATABASE_URL="postgres://portal:secret@db.internal:5432/govoffice",
        CONN_MAX_AGE="300",
        CONN_HEALTH_CHECKS="1",
    )
    values = probe(env)
    assert values["DEBUG"] is False
    assert values["ALLOWED_HOSTS"] == ["portal.example.gov", "www.portal.example.gov"]
    assert values["ENGINE"] == "django.db.backends.postgresql" and values["NAME"] == "govoffice"
    assert values["CONN_MAX_AGE"] == 300 and values["HEALTH_CHECKS"] is True
    assert probe(production_env(tmp_path))["HEALTH_CHECKS"] is False
    assert values["STATIC_BACKEND"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    assert values["MIDDLEWARE"].index("whitenoise.middleware.WhiteNoiseMiddleware") == 1
    assert values["SSL"] is True and values["HSTS"] >= 31536000 and values["COOKIES"] == [True, True]


def test_debug_only_when_asked(tmp_path):
    assert probe(production_env(tmp_path, DEBUG="0"))["DEBUG"] is False
    assert probe(production_env(tmp_path, DEBUG="1", SECRET_KEY=None))["DEBUG"] is True


SERVE_PROBE = textwrap.dedent(
    """
    import json, django
    django.setup()
    from django.core.management import call_command
    from django.contrib.staticfiles.storage import staticfiles_storage
    from django.test import Client
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    client = Client(HTTP_HOST="portal.example.gov")
    url = staticfiles_storage.url("admin/css/base.css")
    static = client.get(url, secure=True)
    missing = client.get("/offices/no-such-office/", secure=True)
    print(json.dumps({
        "url": url,
        "static": static.status_code,
        "cache": static.headers.get("Cache-Control", ""),
        "plain_http": client.get("/healthz").status_code,
        "healthz": client.get("/healthz", secure=True).status_code,
        "hsts": client.get("/healthz", secure=True).headers.get("Strict-Transport-Security", ""),
        "missing": missing.status_code,
        "debug_page": b"Traceback" in missing.content or b"URLconf" in missing.content,
        "bad_host": Client(HTTP_HOST="evil.example").get("/healthz", secure=True).status_code,
    }))
    """
)


@pytest.mark.filterwarnings("ignore")
def test_whitenoise_serves_hashed_static_files_and_https_is_enforced(tmp_path):
    result = run(["-c", SERVE_PROBE], production_env(tmp_path))
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["static"] == 200
    assert values["url"] != "/static/admin/css/base.css"  # a content hash in the name
    assert "max-age=315360000" in values["cache"]  # so it may be cached for ever
    assert values["plain_http"] == 301
    assert values["healthz"] == 200 and "max-age=31536000" in values["hsts"]
    assert values["missing"] == 404 and not values["debug_page"]
    assert values["bad_host"] == 400


def test_an_import_blocked_by_another_writer_fails_in_one_line_and_writes_nothing(tmp_path):
    """Two imports at once on SQLite: the second waits, then gives up cleanly."""
    import sqlite3

    env = bare_env(tmp_path)
    assert run(["manage.py", "migrate", "-v0"], env).returncode == 0
    assert run(["manage.py", "load_org"], env).returncode == 0
    exported = run(["manage.py", "export_org", "--office", "jilin"], env)
    document = json.loads(exported.stdout)
    document["offices"][0]["name_en"] = "Renamed while locked"
    path = tmp_path / "org.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    writer = sqlite3.connect(tmp_path / "fresh.sqlite3", isolation_level=None)
    writer.execute("BEGIN EXCLUSIVE")  # the other import, mid-write
    try:
        result = run(["manage.py", "import_org", str(path)], env)
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "database is locked" in result.stderr
    assert "nothing was imported" in result.stderr
    names = sqlite3.connect(tmp_path / "fresh.sqlite3").execute("SELECT name_en FROM orgunits_office").fetchall()
    assert ("Renamed while locked",) not in names


LOG_PROBE = textwrap.dedent(
    """
    import django, logging
    django.setup()
    logging.getLogger("django.request").warning("request-line")
    logging.getLogger("django.server").warning("server-line")
    logging.getLogger("orgunits").warning("app-line")
    """
)


@pytest.mark.parametrize("debug", ["1", "0"])
def test_each_log_line_is_written_once(tmp_path, debug):
    result = run(["-c", LOG_PROBE], production_env(tmp_path, DEBUG=debug))
    assert result.returncode == 0, result.stderr
    for line in ("request-line", "server-line", "app-line"):
        assert result.stderr.count(line) == 1, (line, result.stderr)


HEADER_PROBE = textwrap.dedent(
    """
    import json, django
    django.setup()
    from django.core.management import call_command
    from django.test import Client
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    client = Client(HTTP_HOST="portal.example.gov")
    print(json.dumps({
        "hsts": client.get("/healthz", secure=True).headers.get("Strict-Transport-Security", ""),
        "forwarded_https": client.get("/healthz", HTTP_X_FORWARDED_PROTO="https").status_code,
    }))
    """
)


def headers(env):
    result = run(["-c", HEADER_PROBE], env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.filterwarnings("ignore")
def test_hsts_binds_subdomains_and_preload_only_when_configured(tmp_path):
    assert headers(production_env(tmp_path))["hsts"] == "max-age=31536000"
    configured = headers(production_env(tmp_path, SECURE_HSTS_INCLUDE_SUBDOMAINS="1", SECURE_HSTS_PRELOAD="1"))
    assert configured["hsts"] == "max-age=31536000; includeSubDomains; preload"


@pytest.mark.filterwarnings("ignore")
def test_x_forwarded_proto_is_believed_only_behind_a_trusted_proxy(tmp_path):
    assert headers(production_env(tmp_path))["forwarded_https"] == 301  # a client's claim: still redirected
    assert headers(production_env(tmp_path, TRUSTED_PROXY_COUNT="1"))["forwarded_https"] == 200


GUNICORN_MASTER = textwrap.dedent("""
    import gc
    import govoffice.wsgi
    from django.db import connections
    from govoffice import gunicorn
    from routing import services
    gunicorn.when_ready(None)
    print(services._cache["index"] is not None, gc.get_freeze_count() > 0,
          all(connection.connection is None for connection in connections.all()))
""")


def test_the_gunicorn_master_loads_the_router_for_its_workers_to_share(tmp_path):
    env = production_env(tmp_path, ROUTING_STARTER_LOG_DIR=str(tmp_path))
    (tmp_path / "log.yaml").write_text("- subject: tourism\n  en: [a tour group was cheated]\n"
                                       "- subject: null\n  en: [what a lovely day]\n", encoding="utf-8")
    # Before the database is set up it says so and leaves the loading to the workers.
    result = run(["-c", GUNICORN_MASTER], env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True", "True"] and "routing index not preloaded" in result.stderr

    assert run(["manage.py", "migrate", "--noinput"], env).returncode == 0
    result = run(["-c", GUNICORN_MASTER], env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "True"]  # loaded, frozen, no connection left to share
