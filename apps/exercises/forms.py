from django import forms


class SubmissionForm(forms.Form):
    # No max_length here: the size cap is the service's rule, with a clearer message.
    code = forms.CharField(strip=False, widget=forms.Textarea, required=False)
