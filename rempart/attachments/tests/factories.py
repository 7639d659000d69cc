"""Factories of attachments (tenant-owned models, for the cross-establishment test)."""

from __future__ import annotations

import factory
from django.core.files.base import ContentFile

from rempart.attachments.models import Attachment

PDF_BYTES = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


class AttachmentFactory(factory.django.DjangoModelFactory):
    """A PDF attached to a vulnerability of the same establishment."""

    class Meta:
        model = Attachment

    establishment = factory.SubFactory("rempart.tenancy.tests.factories.EstablishmentFactory")
    owner_kind = "scanning.finding"
    owner_id = factory.LazyAttribute(
        lambda o: (
            __import__("rempart.scanning.tests.factories", fromlist=["FindingFactory"])
            .FindingFactory(establishment=o.establishment)
            .public_id
        )
    )
    file = factory.LazyFunction(lambda: ContentFile(PDF_BYTES, name="preuve.pdf"))
    name = "preuve.pdf"
    size = len(PDF_BYTES)
    content_type = "application/pdf"
    sha256 = "0" * 64
    review_status = "to_review"


TENANT_FACTORIES = {Attachment: AttachmentFactory}
