"""The evidence part of a report's form: new files with captions, and the files
already kept (remove one, make it public or internal).

``EvidenceForms`` is added beside a report's own form (progress report, KPI
result); each new file is checked by its content while the form is validated
(``services.prepare``), so a refused file re-renders the whole form with what
the person typed, and ``changes()`` hands the service what to do.
"""

from __future__ import annotations

from collections.abc import Sequence

from django import forms
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from evidence import checks, services
from evidence.models import Attachment

PREFIX = "evidence"


class NewFileForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File"),
        required=False,
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/*,.heic,.pdf,.docx,.xlsx,.pptx,.odt,.ods,.odp"}
        ),
    )
    caption = forms.CharField(
        label=gettext_lazy("Caption"), required=False, max_length=300
    )
    public = forms.BooleanField(
        label=gettext_lazy("Public: shown on public pages once the report is approved"),
        required=False,
    )

    prepared: services.Prepared | None = None

    def clean(self) -> dict:
        cleaned = super().clean()
        upload = cleaned.get("file")
        if upload:
            try:
                self.prepared = services.prepare(
                    upload,
                    caption=cleaned.get("caption", ""),
                    visibility=Attachment.Visibility.PUBLIC
                    if cleaned.get("public")
                    else Attachment.Visibility.INTERNAL,
                )
            except services.EvidenceError as error:
                self.add_error("file", str(error))
        elif cleaned.get("caption"):
            self.add_error("file", _("Choose the file this caption is for."))
        return cleaned


class BaseNewFileFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        if any(self.errors):
            return
        self.prepared = [form.prepared for form in self.forms if form.prepared]


NewFileFormSet = forms.formset_factory(
    NewFileForm, formset=BaseNewFileFormSet, extra=3, max_num=20, absolute_max=20
)


class KeptFilesForm(forms.Form):
    """A remove and a public box for each file the report keeps."""

    def __init__(self, *args, attachments: Sequence[Attachment], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.attachments = list(attachments)
        for attachment in self.attachments:
            self.fields[f"remove_{attachment.pk}"] = forms.BooleanField(
                label=_("Remove %(name)s") % {"name": attachment.original_name},
                required=False,
            )
            self.fields[f"public_{attachment.pk}"] = forms.BooleanField(
                label=_("Public"),
                required=False,
                initial=attachment.is_public,
            )

    def rows(self) -> list[tuple[Attachment, forms.BoundField, forms.BoundField]]:
        return [
            (a, self[f"remove_{a.pk}"], self[f"public_{a.pk}"])
            for a in self.attachments
        ]


class EvidenceForms:
    """The new-file formset and the kept-files form of one report."""

    def __init__(
        self, data=None, files=None, *, attachments: Sequence[Attachment] = ()
    ) -> None:
        # A post without the evidence fields (a client that does not know them)
        # changes no evidence, rather than unticking every public box.
        if data is not None and f"{PREFIX}-TOTAL_FORMS" not in data:
            data = files = None
        self.bound = data is not None
        self.formset = NewFileFormSet(data, files, prefix=PREFIX)
        self.kept = KeptFilesForm(
            data, prefix=f"{PREFIX}-kept", attachments=attachments
        )
        self.errors: list[str] = []

    def is_valid(self) -> bool:
        if not self.bound:
            return True
        valid = self.formset.is_valid() and self.kept.is_valid()
        if valid:
            removing = len(self.changes().remove)
            total = len(self.kept.attachments) - removing + len(self.formset.prepared)
            if total > settings.EVIDENCE_MAX_FILES_PER_REPORT:
                self.add_error(
                    _(
                        "A report may have at most %(limit)s files; remove some or "
                        "choose fewer."
                    )
                    % {"limit": settings.EVIDENCE_MAX_FILES_PER_REPORT}
                )
        return valid and not self.errors

    def add_error(self, message: str) -> None:
        self.errors.append(message)

    def changes(self) -> services.Changes:
        if not self.bound:
            return services.Changes(new=[], remove=[], visibility={})
        cleaned = self.kept.cleaned_data
        visibility = {}
        for attachment in self.kept.attachments:
            wanted = (
                Attachment.Visibility.PUBLIC
                if cleaned.get(f"public_{attachment.pk}")
                else Attachment.Visibility.INTERNAL
            )
            if wanted != attachment.visibility:
                visibility[attachment.pk] = wanted
        return services.Changes(
            new=list(getattr(self.formset, "prepared", [])),
            remove=[
                a.pk for a in self.kept.attachments if cleaned.get(f"remove_{a.pk}")
            ],
            visibility=visibility,
        )

    @property
    def has_errors(self) -> bool:
        return bool(
            self.errors
            or any(form.errors for form in self.formset.forms)
            or self.formset.non_form_errors()
        )

    @property
    def file_errors(self) -> list[str]:
        """Every refusal, for the form's error summary."""
        found = list(self.errors)
        for form in self.formset.forms:
            found += form.errors.get("file", [])
        return found

    def limits(self) -> dict:
        return {
            "max_file": checks.human_size(settings.EVIDENCE_MAX_FILE_BYTES),
            "max_files": settings.EVIDENCE_MAX_FILES_PER_REPORT,
            "max_megapixels": settings.EVIDENCE_MAX_IMAGE_PIXELS // 1_000_000,
        }
