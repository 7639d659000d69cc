"""Records of the phishing module that coordination rows may point to (an action item after a
campaign…): see rempart/core/subjects.py."""

from django.utils.translation import gettext_lazy as _

from rempart.core.subjects import SubjectKind, register_subject

register_subject(
    SubjectKind(
        code="phishing.campaign",
        model="phishing.Campaign",
        label=_("Phishing simulation"),
        url_name="phishing:campaign_detail",
    )
)
