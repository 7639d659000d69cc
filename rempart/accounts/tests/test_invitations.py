"""Invitations: e-mailed single-use links that create the account and grant the role."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from rempart.accounts.models import Invitation, User
from rempart.accounts.services import invitation_accept, invitation_create
from rempart.core.errors import ApplicationError, PermissionDeniedError
from rempart.tenancy.models import Membership

pytestmark = pytest.mark.django_db
PASSWORD = "Un mot de passe solide 2026!"


def _link(message: Any) -> str:
    match = re.search(r"http://\S+/invitations/(\S+)/", message.body)
    assert match, message.body
    return match.group(1)


def test_referent_invites_and_the_invitee_joins(
    personas: dict[str, Any], establishment_a: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # given
    client = Client()
    client.force_login(personas["alice"])
    # when the referent invites through the UI
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/e/{establishment_a.slug}/members/invite/",
            {"email": "Dora@CH-Alpha.example.org", "role": "dpo"},
        )
    # then an e-mail with a single-use link leaves
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["dora@ch-alpha.example.org"]
    token = _link(mail.outbox[0])
    assert Invitation.objects.get().token_hash != token
    # when the invitee opens it and chooses a password
    invitee = Client()
    page = invitee.get(f"/invitations/{token}/")
    assert page.status_code == 200
    assert establishment_a.name in page.content.decode()
    joined = invitee.post(
        f"/invitations/{token}/",
        {"full_name": "Dora Dupont", "password1": PASSWORD, "password2": PASSWORD},
    )
    # then the account exists, with the role, and is signed in
    assert joined.status_code == 302
    dora = User.objects.get(email="dora@ch-alpha.example.org")
    assert Membership.objects.get(user=dora).role == "dpo"
    assert invitee.get(f"/e/{establishment_a.slug}/").status_code == 200
    # and the link cannot be used twice
    again = Client().get(f"/invitations/{token}/")
    assert again.status_code == 410
    assert "déjà été utilisée" in again.content.decode()


def test_expired_invitation_is_refused_clearly(
    personas: dict[str, Any], establishment_a: Any
) -> None:
    issued = invitation_create(
        establishment=establishment_a,
        email="late@example.org",
        role="viewer",
        invited_by=personas["alice"],
    )
    token = issued.secret.rstrip("/").rsplit("/", 1)[-1]
    Invitation.objects.update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    response = Client().post(
        f"/invitations/{token}/",
        {"full_name": "Late", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 410
    assert "a expiré le" in response.content.decode()
    assert not User.objects.filter(email="late@example.org").exists()


def test_unknown_and_revoked_links(personas: dict[str, Any], establishment_a: Any) -> None:
    assert Client().get("/invitations/not-a-token/").status_code == 404
    issued = invitation_create(
        establishment=establishment_a,
        email="x@example.org",
        role="viewer",
        invited_by=personas["alice"],
    )
    from rempart.accounts.services import invitation_revoke

    invitation_revoke(invitation=issued.obj, actor=personas["alice"])
    token = issued.secret.rstrip("/").rsplit("/", 1)[-1]
    with pytest.raises(ApplicationError) as caught:
        invitation_accept(token=token, full_name="X", password=PASSWORD)
    assert caught.value.code == "revoked"


def test_only_managers_invite(personas: dict[str, Any], establishment_a: Any) -> None:
    for persona in ("bob", "charlie", "analyst"):
        with pytest.raises(PermissionDeniedError):
            invitation_create(
                establishment=establishment_a,
                email="y@example.org",
                role="referent",
                invited_by=personas[persona],
            )
    assert not Invitation.objects.exists()


def test_existing_member_cannot_be_invited_again(
    personas: dict[str, Any], establishment_a: Any
) -> None:
    with pytest.raises(ApplicationError):
        invitation_create(
            establishment=establishment_a,
            email=personas["bob"].email,
            role="viewer",
            invited_by=personas["alice"],
        )


def test_existing_account_joins_when_signed_in(
    personas: dict[str, Any], establishment_b: Any
) -> None:
    # given alice (member of A) invited to B by B's referent
    issued = invitation_create(
        establishment=establishment_b,
        email=personas["alice"].email,
        role="viewer",
        invited_by=personas["charlie"],
    )
    token = issued.secret.rstrip("/").rsplit("/", 1)[-1]
    # then an anonymous visitor cannot take over the existing account
    with pytest.raises(ApplicationError) as caught:
        invitation_accept(token=token, full_name="Mallory", password=PASSWORD)
    assert caught.value.code == "sign_in"
    # nor can someone else signed in
    with pytest.raises(ApplicationError):
        invitation_accept(token=token, user=personas["bob"])
    # but alice, signed in, joins
    client = Client()
    client.force_login(personas["alice"])
    assert client.post(f"/invitations/{token}/").status_code == 302
    assert Membership.objects.filter(user=personas["alice"], establishment=establishment_b).exists()


def test_weak_password_is_refused(personas: dict[str, Any], establishment_a: Any) -> None:
    issued = invitation_create(
        establishment=establishment_a,
        email="weak@example.org",
        role="viewer",
        invited_by=personas["alice"],
    )
    token = issued.secret.rstrip("/").rsplit("/", 1)[-1]
    response = Client().post(
        f"/invitations/{token}/",
        {"full_name": "Weak", "password1": "password", "password2": "password"},
    )
    assert response.status_code == 200
    assert not User.objects.filter(email="weak@example.org").exists()


def test_staff_invitation_grants_the_perimeter(
    personas: dict[str, Any], ght: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from rempart.tenancy.models import OperatorAssignment

    admin = Client()
    admin.force_login(personas["operator_admin"])
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(
            "/operator/staff/",
            {"email": "nina@grades.example.org", "role": "analyst", "groups": [ght.pk]},
        )
    assert response.status_code == 302
    token = _link(mail.outbox[-1])
    Client().post(
        f"/invitations/{token}/",
        {"full_name": "Nina", "password1": PASSWORD, "password2": PASSWORD},
    )
    assignment = OperatorAssignment.objects.get(user__email="nina@grades.example.org")
    assert assignment.role == "analyst"
    assert not assignment.all_establishments
    assert list(assignment.groups.all()) == [ght]
    # a referent cannot invite staff
    referent = Client()
    referent.force_login(personas["alice"])
    assert (
        referent.post("/operator/staff/", {"email": "x@example.org", "role": "admin"}).status_code
        == 403
    )
