"""CSV import of a declared inventory: read, check every line, preview; import only a file
without problems.

Excel in French writes `;` and Windows-1252, other tools `,` and UTF-8 (with or without a
BOM): both are read. Each line is checked (a known category, a name, a CPE that parses, a
date, yes/no values, a product once per file); the preview names every problem with its
line number and the import is refused while there is one, so nothing is ever half-written.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from rempart.core.errors import ApplicationError
from rempart.tenancy.models import Establishment
from rempart.threatwatch.cpe import CpeError, parse
from rempart.threatwatch.inventory.choices import ProductCategory
from rempart.threatwatch.inventory.models import DeclaredProduct
from rempart.threatwatch.inventory.suggest import normalise

MAX_CSV_BYTES = 1024 * 1024
MAX_ROWS = 5000
LIMITS = {"name": 200, "supplier": 200, "version": 100}
CPE_VENDOR_MAX, CPE_PRODUCT_MAX = 100, 150

# Header names accepted per field (compared without accents, case, spaces, dashes, underscores).
HEADERS = {
    "category": ("categorie", "category", "type"),
    "name": ("nom", "produit", "logiciel", "name", "product"),
    "supplier": ("fournisseur", "editeur", "supplier", "vendor"),
    "version": ("version",),
    "cpe": ("cpe",),
    "remote_access": ("accesdistant", "priseenmainadistance", "remoteaccess"),
    "end_of_life": ("findevie", "endoflife", "eol"),
    "support_ends_on": ("finsupport", "findesupport", "supportendson"),
    "notes": ("notes", "commentaire", "remarques"),
}
CATEGORY_WORDS = {
    "dossierpatient": ProductCategory.PATIENT_RECORD,
    "dpi": ProductCategory.PATIENT_RECORD,
    "imagerie": ProductCategory.IMAGING,
    "pacs": ProductCategory.IMAGING,
    "laboratoire": ProductCategory.LABORATORY,
    "sil": ProductCategory.LABORATORY,
    "pharmacie": ProductCategory.PHARMACY,
    "facturation": ProductCategory.BILLING,
    "gap": ProductCategory.BILLING,
    "rh": ProductCategory.HR,
    "ressourceshumaines": ProductCategory.HR,
    "accesdistant": ProductCategory.REMOTE_ACCESS,
    "antivirus": ProductCategory.EDR,
    "sauvegarde": ProductCategory.BACKUP,
    "parefeu": ProductCategory.FIREWALL,
    "autre": ProductCategory.OTHER,
}
YES = {"oui", "o", "yes", "y", "vrai", "true", "1", "x"}
NO = {"non", "n", "no", "faux", "false", "0", ""}


class InventoryCsvError(ApplicationError):
    """The file as a whole cannot be read (size, encoding, no name column)."""


@dataclass(frozen=True)
class CsvProblem:
    line: int
    message: str


@dataclass
class CsvPreview:
    lines: list[dict[str, Any]] = field(default_factory=list)
    problems: list[CsvProblem] = field(default_factory=list)
    new: int = 0
    updated: int = 0

    @property
    def importable(self) -> bool:
        return bool(self.lines) and not self.problems


def _key(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum())


def decode(data: bytes) -> str:
    if len(data) > MAX_CSV_BYTES:
        raise InventoryCsvError(
            _("The file is larger than %(size)d KiB: split it.") % {"size": MAX_CSV_BYTES // 1024}
        )
    if b"\x00" in data[:4096]:
        raise InventoryCsvError(
            _("This is not a CSV text file (UTF-16 or binary content): save it as CSV UTF-8.")
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
        if "\ufffd" in text:
            raise InventoryCsvError(
                _("The file is neither UTF-8 nor Windows-1252: save it as CSV UTF-8.")
            ) from None
        return text


def inventory_csv_preview(*, establishment: Establishment, data: bytes) -> CsvPreview:
    """What importing `data` would do, line by line; writes nothing."""
    text = decode(data)
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=";,\t")
    except csv.Error:
        dialect = "excel"
    reader = csv.reader(io.StringIO(text), dialect=dialect, strict=True)
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as exc:
        raise InventoryCsvError(_("The file is empty.")) from exc
    columns = _columns(header)
    preview = CsvPreview()
    seen: dict[tuple[str, str], int] = {}
    try:
        for row in reader:
            if reader.line_num > MAX_ROWS + 1:
                raise InventoryCsvError(
                    _("More than %(count)d lines: split the file.") % {"count": MAX_ROWS}
                )
            if any(cell.strip() for cell in row):
                _check(preview, reader.line_num, row, columns, seen)
    except csv.Error as exc:
        raise InventoryCsvError(
            _("Line %(line)d cannot be read: %(reason)s") % {"line": reader.line_num, "reason": exc}
        ) from exc
    _count(preview, establishment)
    return preview


def _columns(header: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, title in enumerate(header):
        for name, accepted in HEADERS.items():
            if _key(title) in accepted and name not in found:
                found[name] = index
    if "name" not in found:
        raise InventoryCsvError(
            _("No “nom” column: the first line must name the columns (nom, catégorie, version…).")
        )
    return found


def _check(
    preview: CsvPreview,
    line: int,
    row: list[str],
    columns: dict[str, int],
    seen: dict[tuple[str, str], int],
) -> None:
    cells = {name: (row[i].strip() if i < len(row) else "") for name, i in columns.items()}
    errors: list[str] = []
    values: dict[str, Any] = {"line": line}
    for name, limit in LIMITS.items():
        values[name] = cells.get(name, "")
        if len(values[name]) > limit:
            errors.append(
                _("%(field)s is longer than %(limit)d characters.")
                % {"field": name, "limit": limit}
            )
    values["notes"] = cells.get("notes", "")
    if not values["name"]:
        errors.append(_("The name is empty."))
    values["category"] = _category(cells.get("category", ""), errors)
    values["cpe_vendor"], values["cpe_product"] = _cpe(cells.get("cpe", ""), errors)
    if len(values["cpe_vendor"]) > CPE_VENDOR_MAX or len(values["cpe_product"]) > CPE_PRODUCT_MAX:
        errors.append(_("The CPE vendor or product is too long."))
    values["remote_access"] = _yes_no(cells.get("remote_access", ""), "accès distant", errors)
    values["end_of_life"] = _yes_no(cells.get("end_of_life", ""), "fin de vie", errors)
    values["support_ends_on"] = _date(cells.get("support_ends_on", ""), errors)
    key = (values["name"].lower(), values["version"].lower())
    if values["name"] and key in seen:
        errors.append(_("Same name and version as line %(line)d.") % {"line": seen[key]})
    seen.setdefault(key, line)
    if errors:
        preview.problems.extend(CsvProblem(line, message) for message in errors)
    else:
        preview.lines.append(values)


def _category(text: str, errors: list[str]) -> str:
    if not text:
        return ProductCategory.OTHER
    key = _key(text)
    for choice in ProductCategory:
        if key in (_key(choice.value), _key(str(choice.label))):
            return choice.value
    found = CATEGORY_WORDS.get(key)
    if found is None:
        errors.append(_("Unknown category “%(value)s”.") % {"value": text})
        return ProductCategory.OTHER
    return found.value


def _cpe(text: str, errors: list[str]) -> tuple[str, str]:
    if not text:
        return "", ""
    if text.startswith("cpe:"):
        try:
            cpe = parse(text)
        except CpeError:
            errors.append(_("“%(value)s” is not a CPE name.") % {"value": text})
            return "", ""
        return cpe.vendor, cpe.product
    vendor, sep, product = text.partition(":")
    if not sep or not vendor.strip() or not product.strip():
        errors.append(
            _("CPE “%(value)s”: write vendor:product (e.g. apache:http_server).") % {"value": text}
        )
        return "", ""
    return normalise(vendor), normalise(product)


def _yes_no(text: str, column: str, errors: list[str]) -> bool:
    value = _key(text)
    if value in YES:
        return True
    if value not in NO:
        errors.append(
            _("“%(value)s” in the column %(column)s: write oui or non.")
            % {"value": text, "column": column}
        )
    return False


def _date(text: str, errors: list[str]) -> str:
    if not text:
        return ""
    for layout in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, layout).date().isoformat()  # noqa: DTZ007
        except ValueError:
            continue
    errors.append(_("“%(value)s” is not a date (DD/MM/YYYY).") % {"value": text})
    return ""


def _count(preview: CsvPreview, establishment: Establishment) -> None:
    known = {
        (name.lower(), version.lower())
        for name, version in DeclaredProduct.objects.filter(
            establishment=establishment
        ).values_list("name", "version")
    }
    for values in preview.lines:
        if (values["name"].lower(), values["version"].lower()) in known:
            preview.updated += 1
        else:
            preview.new += 1


def preview_as_session(preview: CsvPreview) -> list[dict[str, Any]]:
    """The checked lines, JSON-ready, kept between the preview and the confirmation."""
    return [dict(values) for values in preview.lines]
