"""Expensive anonymous endpoints are limited per client address: a 429 past the limit, JSON on the API."""
import time

import pytest
from django.core.cache import caches
from django.test import Client

pytestmark = pytest.mark.django_db

LIMITED = ["/search/?q=tourism", "/route/?q=coal+safety", "/subjects/", "/api/route?q=tourism", "/api/subjects/"]


class Clock:
    """django-ratelimit's clock, held still so that no window ends between a test's requests."""

    def __init__(self):
        self.now = float(int(time.time()))

    def time(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    from django_ratelimit import core

    frozen = Clock()
    monkeypatch.setattr(core, "time", frozen)
    return frozen


@pytest.fixture
def limits(settings, clock):
    settings.RATELIMIT_ENABLE = True
    settings.RATE_LIMITS = {"pages": "3/m", "api": "3/m"}
    caches["ratelimit"].clear()
    yield settings
    caches["ratelimit"].clear()


@pytest.mark.parametrize("url", LIMITED)
def test_an_address_past_the_limit_gets_429_and_others_are_served(limits, url):
    flooder = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(3):
        assert flooder.get(url).status_code == 200
    refused = flooder.get(url)
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60
    if url.startswith("/api/"):
        assert refused["Content-Type"].startswith("application/json")
        assert "Too many requests" in refused.json()["error"]
    else:
        assert refused["Content-Type"].startswith("text/html")
        page = refused.content.decode()
        assert "<h1" in page and "Too many requests" in page and "Traceback" not in page
    assert Client(REMOTE_ADDR="198.51.100.9").get(url).status_code == 200
    assert Client(REMOTE_ADDR="203.0.113.7").get("/healthz").status_code == 200  # cheap pages are not limited


def test_the_page_is_in_the_readers_language(limits):
    client = Client(REMOTE_ADDR="203.0.113.7", HTTP_ACCEPT_LANGUAGE="zh-hans")
    for _ in range(3):
        client.get("/search/?q=旅游")
    refused = client.get("/search/?q=旅游")
    assert refused.status_code == 429
    assert "请求过多" in refused.content.decode()


def test_behind_a_proxy_the_forwarded_client_is_counted_not_the_proxy(limits):
    limits.TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.2"
    for _ in range(3):
        Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="203.0.113.7").get("/api/subjects/")
    assert Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="203.0.113.7").get("/api/subjects/").status_code == 429
    assert Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="198.51.100.9").get("/api/subjects/").status_code == 200
    # A client cannot dodge the count by inventing addresses to the left of the proxy's entry.
    spoofed = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7")
    assert spoofed.get("/api/subjects/").status_code == 429


def test_signed_in_staff_are_not_limited(limits, admin_client_logged_in):
    for _ in range(6):
        assert admin_client_logged_in.get("/api/subjects/").status_code == 200


def test_a_limit_of_zero_turns_it_off(limits):
    limits.RATE_LIMITS = {"pages": None, "api": None}
    client = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(6):
        assert client.get("/api/subjects/").status_code == 200


def test_in_the_windows_last_second_the_client_is_still_asked_to_wait(limits, clock):
    """django-ratelimit reports 0 seconds left in a window's last second; Retry-After: 0 would invite a retry."""
    from django_ratelimit import core

    clock.now = float(core._get_window("203.0.113.7", 60))  # the window's last second
    client = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(3):
        client.get("/api/subjects/")
    refused = client.get("/api/subjects/")
    assert refused.status_code == 429
    assert refused["Retry-After"] == "1"
    assert "wait 1 second and" in refused.json()["error"]
