"""The routing index follows the data: an edit in one process reaches every process."""
import pytest
from django.urls import reverse

from orgunits.models import PortfolioEntry, Subject, SubjectAlias, Unit
from routing import services
from routing.models import IndexVersion

pytestmark = pytest.mark.django_db(transaction=False)


def top(text, office):
    result = services.route_matter(text=text, office=office)
    return result.results[0].unit if result.results else None


def test_an_edit_committed_elsewhere_is_seen_on_the_next_request(django_capture_on_commit_callbacks):
    assert top("civil air defense", "shanxi") == "secretariat-3"
    stale_version = services._cache["version"]
    with django_capture_on_commit_callbacks(execute=True):
        entry = PortfolioEntry.objects.get(unit__office__slug="shanxi", unit__slug="secretariat-3",
                                           subject__slug="civil-air-defense")
        entry.unit = Unit.objects.get(office__slug="shanxi", slug="secretariat-1")
        entry.save()
    # The change moved the shared version; this process's cached index is now stale...
    assert IndexVersion.objects.get(pk=1).version != stale_version
    # ...so the next request rebuilds it, as every other process will.
    assert top("civil air defense", "shanxi") == "secretariat-1"


def test_an_index_cached_at_an_older_version_is_rebuilt():
    services.routing_index()
    cached = services._cache["index"]
    assert services.routing_index() is cached  # unchanged data: no rebuild
    IndexVersion.objects.filter(pk=1).update(version=services._cache["version"] + 1)  # another process wrote
    assert services.routing_index() is not cached


def test_an_alias_added_in_the_admin_changes_the_answer(admin_client_logged_in, django_capture_on_commit_callbacks):
    assert top("zorbing holidays", "shanxi") is None
    subject = Subject.objects.get(slug="tourism")
    aliases = list(subject.aliases.all())
    data = {"slug": subject.slug, "name_en": subject.name_en, "name_zh": subject.name_zh, "parent": "",
            "aliases-TOTAL_FORMS": len(aliases) + 1, "aliases-INITIAL_FORMS": len(aliases),
            "aliases-MIN_NUM_FORMS": 0, "aliases-MAX_NUM_FORMS": 1000}
    for index, alias in enumerate(aliases):
        data.update({f"aliases-{index}-id": alias.pk, f"aliases-{index}-subject": subject.pk,
                     f"aliases-{index}-text": alias.text, f"aliases-{index}-language": alias.language})
    data.update({f"aliases-{len(aliases)}-text": "zorbing holidays", f"aliases-{len(aliases)}-language": "en",
                 f"aliases-{len(aliases)}-subject": subject.pk})
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_logged_in.post(reverse("admin:orgunits_subject_change", args=[subject.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert SubjectAlias.objects.filter(text="zorbing holidays").exists()
    assert top("zorbing holidays", "shanxi") == "secretariat-3"
