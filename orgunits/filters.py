"""The filter forms of the home page's office list, the subject list and the unit search."""
import re

import django_filters
import django_filters.fields
from django import forms
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from orgunits.models import Duty, Office, PortfolioEntry, Subject, Unit
from orgunits.selectors import containing, subject_matching


def _offices(request=None):
    return Office.objects.order_by("order", "slug")


class OfficeChoiceField(django_filters.fields.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class OfficeChoiceFilter(django_filters.ModelChoiceFilter):
    """An office named by its slug in the query string, listed by its name in the current language."""

    field_class = OfficeChoiceField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("queryset", _offices)
        kwargs.setdefault("to_field_name", "slug")
        kwargs.setdefault("empty_label", _("All offices"))
        kwargs.setdefault("widget", forms.Select(attrs={"class": "select"}))
        super().__init__(*args, **kwargs)


class SubjectFilter(django_filters.FilterSet):
    """Subjects by name or alias (either language), and by the office whose document assigns them."""

    q = django_filters.CharFilter(label=_("Subject name contains"), method="filter_text", max_length=200)
    office = OfficeChoiceFilter(label=_("Assigned in"), method="filter_office")

    class Meta:
        model = Subject
        fields = ["q", "office"]

    def filter_text(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(subject_matching(value))

    def filter_office(self, queryset, name, value):
        return queryset.filter(pk__in=PortfolioEntry.objects.filter(unit__office=value).values("subject"))


MIN_QUERY_CHARS = 3
MIN_CHINESE_QUERY_CHARS = 2
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def validate_search_words(value):
    """Refuse words too short to tell units apart ("a" is in nearly every unit's text)."""
    text = value.strip()
    if not text:
        return
    wanted = MIN_CHINESE_QUERY_CHARS if _CJK.search(text) else MIN_QUERY_CHARS
    if len(text) < wanted:
        raise forms.ValidationError(
            _("Type at least %(letters)d letters, or %(chinese)d Chinese characters, to search for.")
            % {"letters": MIN_QUERY_CHARS, "chinese": MIN_CHINESE_QUERY_CHARS},
            code="too_short",
        )


class UnitSearchFilter(django_filters.FilterSet):
    """Units by name, source label, duty text, subject or alias, in either language; by office and kind."""

    q = django_filters.CharFilter(
        label=_("Words to look for"), method="filter_text", max_length=200, validators=[validate_search_words]
    )
    office = OfficeChoiceFilter(label=_("Office"), field_name="office")
    kind = django_filters.ChoiceFilter(
        label=_("Kind of unit"),
        choices=Unit.Kind.choices,
        empty_label=_("Any kind"),
        widget=forms.Select(attrs={"class": "select"}),
    )

    class Meta:
        model = Unit
        fields = ["q", "office", "kind"]

    def filter_text(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        by_duty = Duty.objects.filter(containing(value, "text_en", "text_zh")).values("unit")
        subjects = Subject.objects.filter(subject_matching(value))
        by_subject = PortfolioEntry.objects.filter(subject__in=subjects).values("unit")
        return queryset.filter(
            containing(value, "name_en", "name_zh", "source_label")
            | Q(pk__in=by_duty)
            | Q(pk__in=by_subject)
        )


def _provinces():
    """(English name, name in the current language) of every province that has an office."""
    from orgunits.selectors import office_provinces

    return office_provinces(chinese=(get_language() or "en").lower().startswith("zh"))


class OfficeFilter(django_filters.FilterSet):
    """Offices by name (either language), level and province, for the home page's directory."""

    q = django_filters.CharFilter(label=_("Office name contains"), method="filter_text", max_length=200)
    level = django_filters.ChoiceFilter(
        label=_("Level"),
        choices=Office.Level.choices,
        empty_label=_("Any level"),
        widget=forms.Select(attrs={"class": "select"}),
    )
    province = django_filters.ChoiceFilter(
        label=_("Province"),
        field_name="province_en",
        choices=_provinces,
        empty_label=_("Any province"),
        widget=forms.Select(attrs={"class": "select"}),
    )

    class Meta:
        model = Office
        fields = ["q", "level", "province"]

    def filter_text(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(containing(value, "name_en", "name_zh", "slug"))
