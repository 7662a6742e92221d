from django import forms

from apps.cohorts.models import Cohort
from apps.cohorts.selectors.heatmap import METRICS
from apps.cohorts.services import CODE_LENGTH, join_code_normalise


class CohortForm(forms.ModelForm):
    class Meta:
        model = Cohort
        fields = ["name", "interview_date"]
        widgets = {"interview_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
        help_texts = {
            "name": "Learners see it when they join.",
            "interview_date": "Optional. Learners who have not set their own date see their "
            "readiness for this one.",
        }


class JoinCodeForm(forms.Form):
    code = forms.CharField(
        label="Join code",
        max_length=40,
        help_text="The code your instructor gave you, with or without the dash.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )

    def clean_code(self) -> str:
        code = join_code_normalise(self.cleaned_data["code"])
        if len(code) != CODE_LENGTH:
            raise forms.ValidationError(f"A join code has {CODE_LENGTH} letters and digits.")
        return code


class HeatmapForm(forms.Form):
    """The heatmap's query string; anything malformed falls back to the default view."""

    sort = forms.RegexField(regex=r"^(name|lesson-\d{1,9})$", required=False)
    dir = forms.ChoiceField(choices=[("asc", "asc"), ("desc", "desc")], required=False)
    metric = forms.ChoiceField(choices=list(METRICS.items()), required=False)
    page = forms.IntegerField(min_value=1, required=False)

    def params(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "sort": data.get("sort") or "name",
            "descending": data.get("dir") == "desc",
            "metric": data.get("metric") or "mastered",
            "page_number": data.get("page") or 1,
        }
