"""The French page checker itself: what it flags and what it lets through."""

from __future__ import annotations

from tests.french_text import problems, read_page


def test_english_words_are_flagged_but_not_french_homographs() -> None:
    html = "<main><p>Clé active, 8 caractères minimum.</p><p>Scan failed for the host</p></main>"
    assert problems(html)["english"] == ["failed", "for", "the", "host"]


def test_text_marked_as_another_language_and_code_are_data() -> None:
    html = (
        '<p lang="en">A flaw in the HTTP server allows remote code execution.</p>'
        "<pre>Traceback (most recent call last)</pre><code>with open</code>"
        "<p>Écrit par ciso.ch-nanterre@demo.rempart.test</p>"
    )
    assert problems(html) == {}


def test_python_reprs_raw_codes_and_duplicate_ids() -> None:
    html = (
        "<p id='x'>{'report': 12, 'size': 3}</p><p id='x'>accounts.password.changed</p>"
        '<p title="URLError: None">ok</p>'
    )
    found = problems(html)
    assert found["repr"] == ["None", "URLError", "{'report':"]
    assert found["codes"] == ["accounts.password.changed"]
    assert found["duplicate ids"] == ["x"]


def test_attributes_people_read_are_read() -> None:
    page = read_page('<input type="submit" value="Save"><img alt="Logo" src="x.png">')
    assert page.chunks == ["Save", "Logo"]
