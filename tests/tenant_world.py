"""Route discovery and a two-establishment world for the cross-establishment access test.

Routes are read from the URL resolver, so every module's new URLs and API routes are
covered without editing the test. Tenant-owned models are found from the app registry;
each app's `tests/factories.py` declares `TENANT_FACTORIES` for its models.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
import re
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core import serializers
from django.db import models
from django.urls import URLPattern, URLResolver, get_resolver

# Routes that are not tenant data: (route regex fragment, reason).
# Parameters that name shared reference data (the CVE catalog), not an establishment's data:
# routes with only these are read by everybody, and must not show A's data to B.
SHARED_PARAMS = {
    "cve_id": "CVE-2021-44228",
    "vendor": "apache",
    "product": "log4j",
    "reference": "CERTFR-2021-ALE-022",
    "week": "2021-12-13",
}
PUBLIC_ROUTES = {
    "invitations/<str:token>/": "bearer secret link; covered by the invitation tests",
    "accounts/confirm-email/<key>/": "bearer secret link (allauth)",
    "accounts/password/reset/key/<uidb36>-<key>/": "bearer secret link (allauth)",
    "accounts/oidc/<provider_id>/login/": "single sign-on start, no tenant data",
    "accounts/oidc/<provider_id>/login/callback/": "single sign-on callback, no tenant data",
    "admin/<url>": "the admin's catch-all redirect",
    **{
        f"api/probe/v1/{suffix}": "scan probe API: signed by a probe's key, no session; "
        "covered by rempart/probes/tests/test_probe_api.py"
        for suffix in (
            "dist/<str:filename>",
            "enroll",
            "heartbeat",
            "jobs/next",
            "jobs/<uuid:public_id>/chunks/<int:index>",
            "jobs/<uuid:public_id>/finish",
            "jobs/<uuid:public_id>/fail",
        )
    },
    **{
        f"p/<str:token>/{suffix}": "simulation tracking: bearer token of one recipient; "
        "covered by rempart/phishing/tests/test_tracking.py"
        for suffix in ("", "o.gif", "submit", "h", "learn", "report")
    },
}

# A body that most forms and serializers of the project accept, so that a view which
# validates before checking access would be caught writing.
PAYLOAD = {
    "name": "Intrus",
    "full_name": "Intrus",
    "email": "intrus@example.org",
    "role": "referent",
    "language": "en",
    "finess_et": "750712184",
    "finess_ej": "750712184",
    "category": "ch",
    "city": "Ailleurs",
    "establishment": "ch-alpha",
    "user": "alice@ch-alpha.example.org",
    "scopes": ["tenancy:write"],
    "expires_on": "2099-01-01",
    "code": "x",
    "kind": "ght",
}


@dataclass(frozen=True)
class Route:
    pattern: str
    name: str
    params: tuple[str, ...]

    @property
    def tenant_params(self) -> tuple[str, ...]:
        """Parameters that identify an establishment's data."""
        return tuple(p for p in self.params if p not in SHARED_PARAMS)

    def build(self, values: dict[str, Any]) -> str:
        path = "/" + self.pattern
        for param in self.params:
            path = _replace_param(path, param, str(values[param]))
        return path


def _replace_param(path: str, param: str, value: str) -> str:
    start = path.index("<")
    while start != -1:
        end = path.index(">", start)
        token = path[start + 1 : end]
        if token.split(":")[-1] == param:
            return path[:start] + value + path[end + 1 :]
        start = path.find("<", end)
    raise KeyError(param)


def _walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> list[Route]:
    found: list[Route] = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            found += _walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            pattern = _clean(prefix + str(entry.pattern))
            params = tuple(m.split(":")[-1] for m in re.findall(r"<([^>]+)>", pattern))
            found.append(Route(pattern, f"{namespace}{entry.name or ''}", params))
    return found


def _clean(pattern: str) -> str:
    """Regex routes (DRF routers, allauth) written as path routes: `^x/(?P<id>[^/.]+)/$`."""
    pattern = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"<\1>", pattern)
    return pattern.replace("^", "").replace("$", "").replace("\\Z", "").replace("\\.", ".")


def discover_routes() -> list[Route]:
    """Every URL the project registers (UI, API, allauth, admin), once each."""
    seen: dict[str, Route] = {}
    for route in _walk(get_resolver().url_patterns):
        if "format" in route.params or route.pattern.startswith(("static/", "media/")):
            continue
        seen.setdefault(route.pattern, route)
    return sorted(seen.values(), key=lambda r: r.pattern)


def tenant_models() -> list[type[models.Model]]:
    """Concrete models with a foreign key named `establishment` to an establishment."""
    found = []
    for model in apps.get_models():
        fk = next((f for f in model._meta.fields if f.name == "establishment"), None)
        if (
            fk is not None
            and fk.related_model is not None
            and (fk.related_model._meta.label == "tenancy.Establishment")
            and model._meta.app_label != "audit"
        ):
            found.append(model)
    return found


def tenant_factories() -> dict[type[models.Model], Any]:
    """`TENANT_FACTORIES` of every app's tests/factories.py, keyed by model class."""
    registry: dict[type[models.Model], Any] = {}
    for config in apps.get_app_configs():
        if not config.name.startswith("rempart."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.tests.factories")
        except ModuleNotFoundError:
            continue
        for key, factory in getattr(module, "TENANT_FACTORIES", {}).items():
            model = apps.get_model(key) if isinstance(key, str) else key
            registry[model] = factory
    return registry


@dataclass
class World:
    """Establishment A's objects (the targets) and the personas."""

    a: Any
    b: Any
    personas: dict[str, Any]
    a_objects: list[models.Model] = field(default_factory=list)
    a_markers: list[str] = field(default_factory=list)

    def first(self, label: str) -> Any:
        """Establishment A's object of the model `app_label.ModelName`."""
        model = apps.get_model(label)
        return next(obj for obj in self.a_objects if type(obj) is model)

    @property
    def outsider(self) -> Any:
        """A user who is not a member of A (charlie, B's referent)."""
        return self.personas["charlie"]

    def candidates(self, param: str) -> list[Any]:
        if param in SHARED_PARAMS:
            return [SHARED_PARAMS[param]]
        if param == "establishment":
            return [self.a.slug]
        if param in ("public_id", "other_id"):
            return [obj.public_id for obj in self.a_objects]
        if param == "kind":
            return ["site", "contact", "window", "schedule", "exclusion", "scope"]
        if param == "action":  # decisions on a finding
            finding = ["accept", "false-positive", "reopen", "assign", "comment"]
            campaign = ["submit", "return", "approve", "cancel", "close", "withdraw-identified"]
            return finding + campaign
        if param == "document":  # the phishing legal kit
            return ["notice", "consultation", "record"]
        if param == "email":
            return [self.personas["alice"].email]
        if param == "seq":
            from rempart.audit.models import AuditEntry

            return list(
                AuditEntry.objects.filter(establishment=self.a).values_list("seq", flat=True)
            )
        if param == "pk":
            from allauth.mfa.models import Authenticator

            return list(
                Authenticator.objects.filter(user=self.personas["alice"]).values_list(
                    "pk", flat=True
                )
            )
        if param in ("object_id", "content_type_id"):
            return [self.a.pk]
        if param == "app_label":
            return ["tenancy"]
        raise LookupError(param)


def build_world(personas: dict[str, Any], a: Any, b: Any, ght: Any) -> World:
    """One object of every tenant model in each establishment; A's are the targets."""
    from conftest import give_totp
    from rempart.accounts.services import api_token_create
    from rempart.tenancy.services import membership_set

    a_objects: list[Any] = [a, ght]
    for factory in tenant_factories().values():
        a_objects.append(factory(establishment=a))
        factory(establishment=b)
    a_objects += list(a.tenancy_membership_set.all())
    membership_set(
        user=personas["bob"], establishment=a, role="viewer", actor=personas["alice"]
    )  # an audit entry of A
    a_objects.append(
        api_token_create(user=personas["alice"], name="alice", scopes=["tenancy:read"]).obj
    )
    give_totp(personas["alice"])
    _shared_catalog(a)
    a_objects.append(_regional_catalogue())
    markers = [a.name, a.finess_et, personas["alice"].email]
    return World(a=a, b=b, personas=personas, a_objects=a_objects, a_markers=markers)


def _shared_catalog(establishment_a: Any) -> None:
    """A CVE of the shared catalog that applies to one of establishment A's assets."""
    from rempart.scanning.tests.factories import FindingFactory
    from rempart.threatwatch.tests.catalog import cve, rule

    record = cve(SHARED_PARAMS["cve_id"], cvss=10.0, kev=True)
    rule(
        record,
        SHARED_PARAMS["vendor"],
        SHARED_PARAMS["product"],
        start_including="2.0",
        end_excluding="2.15.0",
    )
    FindingFactory(establishment=establishment_a, check_id="cve", key=record.cve_id)
    from rempart.threatwatch.models import Advisory, Bulletin

    Bulletin.objects.create(week=dt.date.fromisoformat(SHARED_PARAMS["week"]), pdf=b"%PDF-1.4")

    Advisory.objects.create(
        reference=SHARED_PARAMS["reference"],
        kind="alerte",
        title="Vulnérabilité dans Apache Log4j",
        cve_ids=[record.cve_id],
    )


def _regional_catalogue() -> Any:
    """A product of the regional catalogue (shared, curated by the operator): its pages take
    a `public_id` that only the regional team may open."""
    from rempart.threatwatch.models import CatalogueProduct

    return CatalogueProduct.objects.create(
        category="imaging", name="PACS régional", cpe_vendor="apache", cpe_product="log4j"
    )


def rows_written() -> int:
    """Rows inserted, updated or deleted so far by this connection's transaction.

    SQLite counts them in `total_changes()`; PostgreSQL in `pg_stat_xact_user_tables`
    (the current transaction, which pytest-django opens for each test). Any write by a
    denied request, in any table, changes this number.
    """
    from django.db import connection

    query = (
        "SELECT total_changes()"
        if connection.vendor == "sqlite"
        else "SELECT COALESCE(SUM(n_tup_ins + n_tup_upd + n_tup_del), 0) "
        "FROM pg_stat_xact_user_tables"
    )
    with connection.cursor() as cursor:
        cursor.execute(query)
        return int(cursor.fetchone()[0])


def establishment_fingerprint(world: World) -> str:
    """A digest of establishment A's rows, its group and its members' accounts."""
    from allauth.mfa.models import Authenticator

    from rempart.accounts.models import ApiToken, User

    digest = hashlib.sha256()
    members = [world.personas["alice"].pk, world.personas["bob"].pk]
    querysets = [model._default_manager.filter(establishment=world.a) for model in tenant_models()]
    querysets += [
        type(world.a)._default_manager.filter(pk=world.a.pk),
        type(world.a.group)._default_manager.filter(pk=world.a.group_id),
        User.objects.filter(pk__in=members),
        ApiToken.objects.filter(user__in=members),
        Authenticator.objects.filter(user__in=members),
    ]
    for queryset in querysets:
        digest.update(serializers.serialize("json", queryset.order_by("pk")).encode())
    return digest.hexdigest()
