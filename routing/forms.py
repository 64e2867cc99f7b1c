"""The one validation of a routing request, shared by the page, the JSON API and the commands."""
import json

from django import forms
from django.utils.choices import BaseChoiceIterator
from django.utils.translation import gettext_lazy as _

from govoffice.terminal import printable
from routing.engine import MAX_QUERY_CHARS
from routing.models import validate_text_characters

MAX_LIMIT = 50


class _Normalised(BaseChoiceIterator):
    """Choices already in the shape Django normalises them to: (value, label) pairs.

    Setting a plain list normalises every office again for each form, which at hundreds of offices
    cost more than routing the matter.
    """

    def __init__(self, choices):
        self.choices = choices

    def __iter__(self):
        return iter(self.choices)


class RouteForm(forms.Form):
    q = forms.CharField(
        label=_("Matter"),
        max_length=MAX_QUERY_CHARS,
        strip=True,
        error_messages={
            "required": _("Type the matter to route."),
            "max_length": _("The matter is too long (at most %(limit_value)d characters)."),
        },
        widget=forms.TextInput(attrs={"placeholder": _("e.g. coal safety, 旅游, a letter about a prison")}),
    )
    office = forms.ChoiceField(label=_("Office"), required=False)
    limit = forms.IntegerField(
        label=_("Results"), required=False, min_value=1, max_value=MAX_LIMIT,
        error_messages={"invalid": _("limit must be a whole number from 1 to %(max)d.") % {"max": MAX_LIMIT}},
    )

    def __init__(self, *args, offices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["office"].choices = _Normalised([("", _("All offices")), *offices])
        self.fields["office"].error_messages["invalid_choice"] = _("Unknown office %(value)s.")

    def clean_q(self):
        text = self.cleaned_data["q"]
        if "\x00" in text:
            raise forms.ValidationError(_("The matter contains a NUL character."))
        if not any(ch.isalnum() for ch in text):
            raise forms.ValidationError(_("The matter has no words to route."))
        return text

    def clean_office(self):
        return self.cleaned_data["office"] or None

    def clean_limit(self):
        return self.cleaned_data["limit"] or 5


def first_error(form):
    """One readable sentence for a 400 response or a command error."""
    for name, errors in form.errors.items():
        return printable(f"{name}: {errors[0]}")
    return "invalid request"


class RouteRequestError(ValueError):
    """A JSON routing request that cannot be read; the message says why."""


JSON_FIELDS = {"q", "office", "limit"}


def route_request_from_json(body):
    """The form data of a JSON request body `{"q": str, "office": str|null, "limit": int|null}`."""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise RouteRequestError('The body must be a JSON object such as {"q": "coal safety"}.') from None
    if not isinstance(data, dict):
        raise RouteRequestError('The body must be a JSON object such as {"q": "coal safety"}.')
    unknown = sorted(set(data) - JSON_FIELDS)
    if unknown:
        raise RouteRequestError(printable(f"Unknown field {unknown[0][:40]!r}: use q, office and limit."))
    q, office, limit = data.get("q"), data.get("office"), data.get("limit")
    if not isinstance(q, str):
        raise RouteRequestError("q: Type the matter to route." if q is None else "q must be a string.")
    if office is not None and not isinstance(office, str):
        raise RouteRequestError("office must be an office slug (a string) or null.")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int)):
        raise RouteRequestError(f"limit must be a whole number from 1 to {MAX_LIMIT}.")
    return {"q": q, "office": office or "", "limit": "" if limit is None else str(limit)}


class RecordForm(forms.Form):
    """A clerk's verdict on a routed matter: the suggested unit confirmed, another unit, or no unit.

    The unit choices are the office's units; the outcome follows from the choice and the suggestion.
    """

    CONFIRM, CHOOSE = "confirm", "choose"
    NO_UNIT = "-"

    q = forms.CharField(
        label=_("Matter"), max_length=MAX_QUERY_CHARS, widget=forms.HiddenInput, validators=[validate_text_characters]
    )
    office = forms.SlugField(label=_("Office"), widget=forms.HiddenInput)
    suggested = forms.CharField(label=_("Suggested unit"), required=False, widget=forms.HiddenInput)
    unit = forms.ChoiceField(label=_("Unit that handles it"), required=False)
    reason = forms.CharField(
        label=_("Reason (optional)"), required=False, max_length=2000, validators=[validate_text_characters],
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    decision = forms.ChoiceField(choices=[(CONFIRM, CONFIRM), (CHOOSE, CHOOSE)], required=False)

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.units = dict(units)  # slug -> name
        self.fields["unit"].choices = [(self.NO_UNIT, _("No unit of this office")), *units]

    def clean_suggested(self):
        suggested = self.cleaned_data["suggested"]
        if suggested and suggested not in self.units:
            raise forms.ValidationError(_("The suggested unit is not a unit of this office."))
        return suggested or None

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        suggested = cleaned["suggested"]
        if cleaned.get("decision") == self.CONFIRM:
            chosen = suggested
        else:
            unit = cleaned.get("unit") or self.NO_UNIT
            chosen = None if unit == self.NO_UNIT else unit
        cleaned["chosen"] = chosen
        if chosen is None:
            cleaned["outcome"] = "no_unit"
        elif chosen == suggested:
            cleaned["outcome"] = "confirmed"
        else:
            cleaned["outcome"] = "corrected"
        return cleaned
