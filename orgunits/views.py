"""The browse pages. Each view asks the selectors for its data and renders one template."""
from csp.decorators import csp_update
from django.core.paginator import Paginator
from django.http import Http404
from django.utils.decorators import method_decorator
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.generic import DetailView
from django_filters.views import FilterView

from orgunits import selectors
from orgunits.chart import chart_layout
from orgunits.filters import OfficeFilter, SubjectFilter, UnitSearchFilter
from orgunits.models import Unit
from orgunits.validators import strip_forbidden_characters

OFFICES_PER_PAGE = 40
RESULTS_PER_PAGE = 20


def _page_query(request):
    """The request's query string without `page`, ready to have `page=N` appended."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode() + "&" if query else ""


def _chinese():
    return (get_language() or "en").lower().startswith("zh")


def _language_tags():
    """HTML language tags of the current language and of the other one."""
    return ("zh-Hans", "en") if _chinese() else ("en", "zh-Hans")


def _with_chart_labels(units):
    """Give each unit its kind and counts as text, worked out here once per kind and count.

    Rendering these with template tags node by node took about a third of the office page's time.
    """
    kinds = {value: str(label) for value, label in Unit.Kind.choices}
    duties, subjects = {}, {}
    for unit in units:
        unit.kind_label = kinds.get(unit.kind, unit.kind)
        if unit.duty_count not in duties:
            duties[unit.duty_count] = ngettext("%(counter)s duty", "%(counter)s duties", unit.duty_count) % {
                "counter": unit.duty_count
            }
        if unit.subject_count not in subjects:
            subjects[unit.subject_count] = ngettext(
                "%(counter)s subject", "%(counter)s subjects", unit.subject_count
            ) % {"counter": unit.subject_count}
        unit.duty_label = duties[unit.duty_count]
        unit.subject_label = subjects[unit.subject_count]
    return units


def _well_formed_xml(response):
    """Drop characters XML cannot carry, so that data stored before they were refused still draws."""
    text = response.content.decode("utf-8")
    cleaned = strip_forbidden_characters(text)
    if cleaned != text:
        response.content = cleaned.encode("utf-8")
    return response


class LanguageTagsMixin:
    """Puts `lang_current` and `lang_other` in the context, for `lang` attributes on bilingual text."""

    def get_context_data(self, **kwargs):
        kwargs["lang_current"], kwargs["lang_other"] = _language_tags()
        return super().get_context_data(**kwargs)


class HomeView(LanguageTagsMixin, FilterView):
    """The offices grouped by level and province, filterable by name, level and province."""

    filterset_class = OfficeFilter
    template_name = "orgunits/home.html"

    def get_queryset(self):
        return selectors.office_list()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        offices = list(self.object_list)
        context["offices"] = offices
        context["office_total"] = selectors.office_count()
        context["office_groups"] = selectors.offices_grouped(offices=offices, chinese=_chinese())
        # The route box chooses among all offices, whatever the directory's filter shows.
        everyone = offices if not self.filterset.is_bound else list(selectors.office_list())
        context["route_office_groups"] = selectors.office_choice_groups(offices=everyone, chinese=_chinese())
        return context


class OfficeDetailView(LanguageTagsMixin, DetailView):
    """The office's facts and its whole org chart."""

    context_object_name = "office"

    def get_object(self, queryset=None):
        office = selectors.office_facts_get(slug=self.kwargs["office"])
        if office is None:
            raise Http404(_("There is no office with this address."))
        return office

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            units=_with_chart_labels(selectors.office_chart_units(office=self.object)),
            main_duties=selectors.office_main_duties(office=self.object),
            **kwargs,
        )


@method_decorator(csp_update({"style-src": ["'unsafe-inline'"]}), name="dispatch")
class OfficeChartView(LanguageTagsMixin, DetailView):
    """The office's unit tree drawn as an SVG org chart."""

    context_object_name = "office"
    template_name = "orgunits/office_chart.svg"
    content_type = "image/svg+xml; charset=utf-8"

    def get_object(self, queryset=None):
        office = selectors.office_get(slug=self.kwargs["office"])
        if office is None:
            raise Http404(_("There is no office with this address."))
        return office

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        response.add_post_render_callback(_well_formed_xml)
        return response

    def get_context_data(self, **kwargs):
        current, other = _language_tags()
        chart = chart_layout(
            units=_with_chart_labels(selectors.office_chart_units(office=self.object)),
            primary=lambda unit: unit.name,
            secondary=lambda unit: unit.other_name,
            primary_lang=current,
            secondary_lang=other,
        )
        return super().get_context_data(chart=chart, **kwargs)


class UnitDetailView(LanguageTagsMixin, DetailView):
    """One unit: its place in the tree, both names, duties, subjects and the same subjects elsewhere."""

    context_object_name = "unit"

    def get_object(self, queryset=None):
        unit = selectors.unit_get(office_slug=self.kwargs["office"], unit_slug=self.kwargs["unit"])
        if unit is None:
            raise Http404(_("There is no unit with this address."))
        return unit

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            office=self.object.office,
            ancestors=selectors.unit_ancestors(unit=self.object),
            subjects_elsewhere=selectors.unit_subjects_elsewhere(unit=self.object),
            **kwargs,
        )


class SubjectListView(LanguageTagsMixin, FilterView):
    """Every subject, grouped by initial letter, filterable by name and office."""

    filterset_class = SubjectFilter

    def get_queryset(self):
        return selectors.subject_browse_queryset()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        subjects = list(self.object_list)
        labels = {}
        for subject in subjects:
            if subject.office_count not in labels:
                labels[subject.office_count] = (
                    ngettext(
                        "assigned in %(counter)s office", "assigned in %(counter)s offices", subject.office_count
                    )
                    % {"counter": subject.office_count}
                    if subject.office_count
                    else _("not assigned to any unit")
                )
            subject.office_count_label = labels[subject.office_count]
        context["groups"] = selectors.subjects_grouped(subjects=subjects, chinese=_chinese())
        context["office_choice_groups"] = selectors.office_choice_groups(
            offices=selectors.offices_in_order(), chinese=_chinese()
        )
        context["subject_count"] = sum(len(subjects) for _letter, subjects in context["groups"])
        return context


class SubjectDetailView(LanguageTagsMixin, DetailView):
    """One subject across the offices: which unit holds it in each, in the source's words."""

    context_object_name = "subject"

    def get_object(self, queryset=None):
        subject = selectors.subject_get(slug=self.kwargs["subject"])
        if subject is None:
            raise Http404(_("There is no subject with this address."))
        return subject

    def get_context_data(self, **kwargs):
        # A page of offices at a time: with hundreds of offices the whole comparison is too long to read.
        page = Paginator(selectors.offices_in_order(), OFFICES_PER_PAGE).get_page(self.request.GET.get("page"))
        return super().get_context_data(
            offices=selectors.subject_across_offices(subject=self.object, offices=page.object_list),
            page_obj=page,
            page_query=_page_query(self.request),
            **kwargs,
        )


class UnitSearchView(LanguageTagsMixin, FilterView):
    """Units found by words in their names, duties, subjects or subject aliases, with why each matched."""

    filterset_class = UnitSearchFilter
    template_name = "orgunits/unit_filter.html"

    def get_queryset(self):
        return selectors.unit_search_queryset()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = self.filterset.form
        valid = form.is_bound and form.is_valid()
        asked = valid and any(form.cleaned_data.get(name) for name in ("q", "office", "kind"))
        context["asked"] = asked
        context["office_choice_groups"] = selectors.office_choice_groups(
            offices=selectors.offices_in_order(), chinese=_chinese()
        )
        # A page of results at a time, so that a broad query stays a small, quick answer.
        page = Paginator(self.object_list if asked else [], RESULTS_PER_PAGE).get_page(self.request.GET.get("page"))
        context["page_obj"] = page
        context["page_query"] = _page_query(self.request)
        context["result_count"] = page.paginator.count
        context["results"] = (
            selectors.unit_search_matches(units=page.object_list, query=form.cleaned_data.get("q")) if asked else []
        )
        return context
