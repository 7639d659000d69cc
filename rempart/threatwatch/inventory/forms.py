"""Forms of the declared inventory and the regional catalogue."""

from __future__ import annotations

from typing import Any

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from rempart.threatwatch.inventory.choices import ProductCategory
from rempart.threatwatch.inventory.csv_import import MAX_CSV_BYTES
from rempart.threatwatch.inventory.models import CatalogueProduct, DeclaredProduct

CPE_HELP = _("Type a few letters of the vendor or the product: suggestions come from the catalog.")


class DeclaredProductForm(forms.ModelForm):  # type: ignore[type-arg]
    cpe_search = forms.CharField(
        label=_("Find the product in the vulnerability catalog"),
        required=False,
        help_text=CPE_HELP,
    )

    class Meta:
        model = DeclaredProduct
        fields = (
            "catalogue",
            "category",
            "name",
            "supplier",
            "version",
            "cpe_vendor",
            "cpe_product",
            "remote_access",
            "end_of_life",
            "support_ends_on",
            "notes",
        )
        widgets = {
            "support_ends_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {"catalogue": _("Pick from the regional catalogue")}
        help_texts = {
            "catalogue": _("Its supplier and CPE fill the blank fields."),
            "version": _("Without a version, no vulnerability can be matched."),
        }

    def __init__(self, *args: Any, establishment_slug: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].required = False
        self.fields["name"].required = False
        catalogue = self.fields["catalogue"]
        assert isinstance(catalogue, forms.ModelChoiceField)  # noqa: S101  (narrowing for mypy)
        catalogue.queryset = CatalogueProduct.objects.all()
        if establishment_slug:
            url = reverse("threatwatch:inventory_suggest", args=[establishment_slug])
            self.fields["cpe_search"].widget.attrs.update(
                {
                    "hx-get": url,
                    "hx-trigger": "input changed delay:300ms",
                    "hx-target": "#cpe-suggestions",
                    "autocomplete": "off",
                    "aria-controls": "cpe-suggestions",
                }
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        entry: CatalogueProduct | None = data.get("catalogue")
        if not data.get("name"):
            if entry is None:
                self.add_error("name", _("Give a name or pick a product of the catalogue."))
            else:
                data["name"] = self.instance.name = entry.name
        if not data.get("category"):
            data["category"] = entry.category if entry else ProductCategory.OTHER
            self.instance.category = data["category"]
        if bool(data.get("cpe_vendor")) != bool(data.get("cpe_product")):
            self.add_error("cpe_product", _("Give both the CPE vendor and product, or neither."))
        return data


class CpeFieldsForm(forms.Form):
    """The two CPE fields alone, refilled when a suggestion is picked."""

    cpe_vendor = forms.CharField(label=_("CPE vendor"), required=False)
    cpe_product = forms.CharField(label=_("CPE product"), required=False)


class CatalogueProductForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = CatalogueProduct
        fields = (
            "category",
            "name",
            "supplier",
            "cpe_vendor",
            "cpe_product",
            "remote_access",
            "oldest_supported",
            "notes",
        )
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}


class InventoryCsvForm(forms.Form):
    file = forms.FileField(
        label=_("Inventory (CSV)"),
        help_text=_(
            "One product per line; columns: nom (required), catégorie, fournisseur, version, "
            "cpe (vendor:product), accès distant, fin de vie, fin support, notes. Excel's "
            "“CSV (semicolon separated)” and UTF-8 files are both read; at most 1 MiB."
        ),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_CSV_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(size)d KiB: split it.")
                % {"size": MAX_CSV_BYTES // 1024}
            )
        return upload
