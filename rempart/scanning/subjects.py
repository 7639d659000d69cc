"""Records of the scanning module that coordination rows may point to (an action item
produced by a finding…): see rempart/core/subjects.py."""

from django.utils.translation import gettext_lazy as _

from rempart.core.subjects import SubjectKind, register_subject

register_subject(
    SubjectKind(
        code="scanning.finding",
        model="scanning.Finding",
        label=_("Vulnerability"),
        url_name="scanning:finding_detail",
        select_related=("asset",),
    )
)
