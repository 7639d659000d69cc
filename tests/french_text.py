"""What a page rendered in French must not show: English text, Python reprs, raw codes.

Text is read as a user sees it: element text and the attributes people read (title,
aria-label, placeholder, alt, button values), minus `<script>`, `<style>`, code samples
(`<code>`, `<pre>`, `<kbd>`, `<samp>`), form values typed by users, and any element marked
as another language (`lang="en"`: an English CVE description is data, and marking it is what
RGAA 8.7 asks for).

English is recognised two ways: English function words (which French never uses), and
words that the French catalogue translates — a word that appears in the English messages of
`locale/fr/LC_MESSAGES/django.po` and in none of their French translations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

PO = Path(__file__).resolve().parent.parent / "locale" / "fr" / "LC_MESSAGES" / "django.po"
FRENCH_DICTIONARY = Path("/usr/share/dict/french")  # Debian's wfrench (tools/system-deps.sh)
SKIPPED_ELEMENTS = {"script", "style", "code", "pre", "kbd", "samp", "textarea", "svg", "template"}
READ_ATTRIBUTES = ("title", "aria-label", "placeholder", "alt")
VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}
_FUNCTION_WORDS = """the and of with to for is are was were not has have had this that these those
from by at be been being it its your you will would can could should must than which when where
what who whose into only there their they them our we do does did any each other such after before
over under between without within about because while if yet already please found failed logged
empty hosts live seen running succeeded queued cancelled unknown none true false yes"""
FUNCTION_WORDS = frozenset(re.findall(r"\w+", _FUNCTION_WORDS))
WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿœŒ]+(?:['\u2019][A-Za-zÀ-ÖØ-öø-ÿ]+)*")
REPR = re.compile(
    r"""\{'[^']*':|\['[^']*'[,\]]|\bobject at 0x[0-9a-f]+|<[a-z_]+\.[A-Za-z_.]+ object|"""
    r"""\b(?:datetime|date|Decimal|UUID|OrderedDict|defaultdict)\(|\bNone\b|\bTrue\b|\bFalse\b|"""
    r"""\b[A-Z][a-zA-Z]+(?:Error|Exception)\b|Traceback \(most recent"""
)
RAW_CODE = re.compile(r"\b[a-z]+(?:_[a-z]+)*\.[a-z]+(?:_[a-z]+)*\.[a-z_]+\b")
# E-mail addresses, web addresses and host names are data, whatever their words.
ADDRESS = re.compile(
    r"\S+@\S+|\w+://\S+|\b[\w-]+(?:\.[\w-]+)*\.(?:test|fr|org|com|net|example|local|eu)\b"
)


@dataclass
class PageText:
    """The readable text of a page, and the ids its elements carry."""

    chunks: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(chunk for chunk in self.chunks if chunk.strip())


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = PageText()
        self.stack: list[tuple[str, bool]] = []  # (tag, skipped)

    @property
    def skipping(self) -> bool:
        return any(skipped for _tag, skipped in self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.page.ids.append(str(values["id"]))
        lang = (values.get("lang") or "").lower()
        skipped = tag in SKIPPED_ELEMENTS or bool(lang and not lang.startswith("fr"))
        if not (skipped or self.skipping):
            self._read_attributes(tag, values)
        if tag not in VOID:
            self.stack.append((tag, skipped))

    def _read_attributes(self, tag: str, values: dict[str, str | None]) -> None:
        for name in READ_ATTRIBUTES:
            if values.get(name):
                self.page.chunks.append(str(values[name]))
        if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
            self.page.chunks.append(str(values["value"]))

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                return

    def handle_data(self, data: str) -> None:
        if not self.skipping and data.strip():
            self.page.chunks.append(data.strip())


def read_page(html: str) -> PageText:
    """The readable text of an HTML page (see the module's docstring)."""
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader.page


@cache
def english_only_words() -> frozenset[str]:
    """Words of the catalogue's English messages that no French translation uses."""
    english: set[str] = set()
    french: set[str] = set()
    target = english
    for line in PO.read_text(encoding="utf-8").splitlines():
        if line.startswith(("msgid", "msgid_plural")):
            target = english
        elif line.startswith("msgstr"):
            target = french
        elif not line.startswith('"'):
            continue
        text = re.sub(r"%\(\w+\)[sd]|\{\{[^}]*\}\}|\{[^}]*\}|<[^>]+>", " ", line)
        target.update(word.lower() for word in WORD.findall(text))
    return frozenset(word for word in english - french - french_dictionary() if len(word) > 2)


@cache
def french_dictionary() -> frozenset[str]:
    """French words (so that "active" or "minimum" are never taken for English)."""
    if not FRENCH_DICTIONARY.exists():
        raise FileNotFoundError(f"{FRENCH_DICTIONARY} is missing: apt-get install wfrench")
    words = FRENCH_DICTIONARY.read_text(encoding="utf-8").split()
    return frozenset(word.lower() for word in words)


def english_words(text: str) -> list[str]:
    """English words of `text`, in order of appearance (once each)."""
    vocabulary = english_only_words() | FUNCTION_WORDS
    found: list[str] = []
    for word in WORD.findall(ADDRESS.sub(" ", text)):
        lower = word.lower()
        if lower in vocabulary and lower not in found and not _is_identifier(word):
            found.append(lower)
    return found


def _is_identifier(word: str) -> bool:
    """Acronyms and product names (HTTP, OpenSSH) are not English prose."""
    return word.isupper() or (word[0].isupper() and any(c.isupper() for c in word[1:]))


def python_reprs(text: str) -> list[str]:
    return sorted({match.group(0) for match in REPR.finditer(text)})


def raw_codes(text: str) -> list[str]:
    """Dotted identifiers such as `accounts.password.changed` (file names excluded)."""
    return sorted(
        {
            code
            for code in RAW_CODE.findall(ADDRESS.sub(" ", text))
            if not code.endswith((".html", ".pdf", ".csv", ".xlsx", ".json", ".xml", ".py"))
        }
    )


def duplicate_ids(ids: list[str]) -> list[str]:
    seen: set[str] = set()
    return sorted({element_id for element_id in ids if element_id in seen or seen.add(element_id)})


def problems(html: str) -> dict[str, list[str]]:
    """Every defect of a French page, by kind (empty when the page is clean)."""
    page = read_page(html)
    found = {
        "english": english_words(page.text),
        "repr": python_reprs(page.text),
        "codes": raw_codes(page.text),
        "duplicate ids": duplicate_ids(page.ids),
    }
    return {kind: values for kind, values in found.items() if values}
