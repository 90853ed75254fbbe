from django import forms

from parley.accounts.models import Account, Role


class GeneralForm(forms.ModelForm):
    class Meta:
        model = Account
        fields = ["name", "members_see_all_contacts", "default_phone_region", "session_idle_hours"]
        labels = {
            "members_see_all_contacts": "Members see all contacts",
            "default_phone_region": "Default phone country (ISO code)",
            "session_idle_hours": "Sign out after this many idle hours",
        }
        help_texts = {
            "members_see_all_contacts": (
                "When off, members only see contacts they own or whose conversations or "
                "bookings are assigned to them."
            ),
            "default_phone_region": "Used for phone numbers typed without a country code.",
        }

    def clean_default_phone_region(self):
        import phonenumbers

        region = self.cleaned_data["default_phone_region"].strip().upper()
        if region not in phonenumbers.SUPPORTED_REGIONS:
            raise forms.ValidationError(f"{region!r} is not an ISO country code like US or DE.")
        return region

    def clean_session_idle_hours(self):
        hours = self.cleaned_data["session_idle_hours"]
        if not 1 <= hours <= 24 * 30:
            raise forms.ValidationError("Choose between 1 hour and 30 days (720 hours).")
        return hours


class PrivacyForm(forms.ModelForm):
    class Meta:
        model = Account
        fields = ["tracking", "honour_dnt", "retention_anonymous_days", "retention_page_view_days"]
        labels = {
            "tracking": "Page-view tracking",
            "honour_dnt": "Honour Do Not Track and Global Privacy Control",
            "retention_anonymous_days": "Delete visitors who never became a contact after (days)",
            "retention_page_view_days": "Delete page views older than (days)",
        }
        widgets = {"tracking": forms.RadioSelect}

    def clean_retention_anonymous_days(self):
        days = self.cleaned_data["retention_anonymous_days"]
        if not 1 <= days <= 3650:
            raise forms.ValidationError("Choose between 1 and 3650 days.")
        return days

    def clean_retention_page_view_days(self):
        days = self.cleaned_data["retention_page_view_days"]
        if not 1 <= days <= 3650:
            raise forms.ValidationError("Choose between 1 and 3650 days.")
        return days


class InviteForm(forms.Form):
    email = forms.EmailField(label="Email")
    role = forms.ChoiceField(choices=Role.choices, initial=Role.MEMBER)


class WebsiteForm(forms.Form):
    name = forms.CharField(max_length=120)
    origins = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One per line, e.g. https://www.example.com",
    )
    default = forms.BooleanField(required=False, label="Default website")


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        max_length=100,
        label="Key name",
        widget=forms.TextInput(attrs={"placeholder": "e.g. CRM sync"}),
    )
