from django import forms

from notifications.models import Channel, Kind


class PreferencesForm(forms.Form):
    """One choice of email channel per kind of notification."""

    def __init__(self, *args, initial_channels: dict[str, str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for kind in Kind:
            self.fields[kind.value] = forms.ChoiceField(
                label=kind.label,
                choices=Channel.choices,
                initial=initial_channels[kind.value],
                widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
            )
