"""Models of the phishing app: who may be reached, how, with what, and what happened."""

from rempart.phishing.models.campaigns import (
    Campaign,
    CampaignVariant,
    Interaction,
    Target,
    TrainingAssignment,
)
from rempart.phishing.models.config import EmailTemplate, LandingPage, SendingProfile
from rempart.phishing.models.recipients import Recipient, RecipientGroup, SendingDomain
from rempart.phishing.models.reports import PhishReport, ReportMailbox

__all__ = [
    "Campaign",
    "CampaignVariant",
    "EmailTemplate",
    "Interaction",
    "LandingPage",
    "PhishReport",
    "Recipient",
    "RecipientGroup",
    "ReportMailbox",
    "SendingDomain",
    "SendingProfile",
    "Target",
    "TrainingAssignment",
]
