"""The one validation of a routing request, shared by the page, the JSON API and the commands."""
from django import forms
from django.utils.translation import gettext_lazy as _

from govoffice.terminal import printable
from routing.engine import MAX_QUERY_CHARS

MAX_LIMIT = 50


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
        self.fields["office"].choices = [("", _("All offices")), *offices]
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
