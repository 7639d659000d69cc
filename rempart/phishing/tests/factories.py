"""Factories of the phishing app (tenant-owned models, for the cross-establishment test)."""

from __future__ import annotations

import datetime
import secrets

import factory
from django.utils import timezone

from rempart.phishing.models import (
    Campaign,
    CampaignVariant,
    EmailTemplate,
    Interaction,
    LandingPage,
    PhishReport,
    Recipient,
    RecipientGroup,
    ReportMailbox,
    SendingDomain,
    SendingProfile,
    Target,
    TrainingAssignment,
)

ESTABLISHMENT = "rempart.tenancy.tests.factories.EstablishmentFactory"
SAME = factory.SelfAttribute("..establishment")


class SendingDomainFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SendingDomain

    establishment = factory.SubFactory(ESTABLISHMENT)
    domain = factory.Sequence(lambda n: f"ch-{n}.example.fr")


class RecipientGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RecipientGroup

    establishment = factory.SubFactory(ESTABLISHMENT)
    name = factory.Sequence(lambda n: f"Service {n}")


class RecipientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Recipient

    establishment = factory.SubFactory(ESTABLISHMENT)
    group = factory.SubFactory(RecipientGroupFactory, establishment=SAME)
    email = factory.Sequence(lambda n: f"agent{n}@ch.example.fr")


class SendingProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SendingProfile

    establishment = factory.SubFactory(ESTABLISHMENT)
    name = factory.Sequence(lambda n: f"Relais {n}")
    host = "127.0.0.1"
    port = 2525
    security = "none"
    from_address = "informatique@ch.example.fr"


class EmailTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EmailTemplate

    establishment = factory.SubFactory(ESTABLISHMENT)
    name = factory.Sequence(lambda n: f"Modèle {n}")
    subject = "Votre boîte aux lettres est pleine"
    html = '<p>Bonjour {{ first_name }},</p><p><a href="{{ url }}">Libérer de l\'espace</a></p>'
    text = "Bonjour {{ first_name }}, libérez de l'espace : {{ url }}"
    cues = ["urgency", "link_mismatch"]
    lesson = "Le lien ne menait pas au site de l'établissement."


class LandingPageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LandingPage

    establishment = factory.SubFactory(ESTABLISHMENT)
    name = factory.Sequence(lambda n: f"Page {n}")
    html = '<form method="post"><input name="login"><input type="password" name="pw"></form>'


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign

    establishment = factory.SubFactory(ESTABLISHMENT)
    name = factory.Sequence(lambda n: f"Campagne {n}")
    sending_profile = factory.SubFactory(SendingProfileFactory, establishment=SAME)
    created_by = factory.SubFactory("rempart.accounts.tests.factories.UserFactory")
    retention_until = factory.LazyFunction(
        lambda: timezone.localdate() + datetime.timedelta(days=90)
    )


class CampaignVariantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CampaignVariant

    establishment = factory.SubFactory(ESTABLISHMENT)
    campaign = factory.SubFactory(CampaignFactory, establishment=SAME)
    template = factory.SubFactory(EmailTemplateFactory, establishment=SAME)
    label = "A"


class TargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Target

    establishment = factory.SubFactory(ESTABLISHMENT)
    variant = factory.SubFactory(CampaignVariantFactory, establishment=SAME)
    campaign = factory.SelfAttribute("variant.campaign")
    recipient = factory.SubFactory(RecipientFactory, establishment=SAME)
    token = factory.LazyFunction(lambda: secrets.token_urlsafe(24))
    pseudonym = factory.Sequence(lambda n: f"P{n:05d}")
    send_at = factory.LazyFunction(timezone.now)


class InteractionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Interaction

    establishment = factory.SubFactory(ESTABLISHMENT)
    target = factory.SubFactory(TargetFactory, establishment=SAME)
    campaign = factory.SelfAttribute("target.campaign")
    kind = "click"
    at = factory.LazyFunction(timezone.now)


class TrainingAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingAssignment

    establishment = factory.SubFactory(ESTABLISHMENT)
    target = factory.SubFactory(TargetFactory, establishment=SAME)
    campaign = factory.SelfAttribute("target.campaign")
    reason = "click"


class ReportMailboxFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReportMailbox

    establishment = factory.SubFactory(ESTABLISHMENT)
    name = factory.Sequence(lambda n: f"Signalement {n}")
    host = "127.0.0.1"
    username = "signalement"


class PhishReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PhishReport

    establishment = factory.SubFactory(ESTABLISHMENT)
    kind = "suspicious"
    received_at = factory.LazyFunction(timezone.now)
    subject = "Facture impayée"


TENANT_FACTORIES = {
    SendingDomain: SendingDomainFactory,
    RecipientGroup: RecipientGroupFactory,
    Recipient: RecipientFactory,
    SendingProfile: SendingProfileFactory,
    EmailTemplate: EmailTemplateFactory,
    LandingPage: LandingPageFactory,
    Campaign: CampaignFactory,
    CampaignVariant: CampaignVariantFactory,
    Target: TargetFactory,
    Interaction: InteractionFactory,
    TrainingAssignment: TrainingAssignmentFactory,
    ReportMailbox: ReportMailboxFactory,
    PhishReport: PhishReportFactory,
}
