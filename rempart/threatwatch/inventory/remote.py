"""Remote-access tools: seen by a scan but not declared, or declared but end of life.

A scanned service is a remote-access tool when its service name, product, details or CPE
name one (TeamViewer, AnyDesk, VNC, RDP, the VPN gateways) or when it listens on the tool's
own port. It is declared when one of the establishment's declared products names the same
tool.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext as _

from rempart.scanning.models import Service
from rempart.tenancy.models import Establishment
from rempart.threatwatch.inventory.matching import is_end_of_life
from rempart.threatwatch.inventory.models import DeclaredProduct

# Tool → (name shown, words that name it in a banner or a declaration, its own TCP ports).
REMOTE_TOOLS: dict[str, tuple[str, tuple[str, ...], tuple[int, ...]]] = {
    "teamviewer": ("TeamViewer", ("teamviewer",), (5938,)),
    "anydesk": ("AnyDesk", ("anydesk",), ()),
    "vnc": ("VNC", ("vnc",), (5900, 5901)),
    "rdp": (
        "RDP",
        ("ms-wbt-server", "remote desktop", "terminal services", "rdp"),
        (3389,),
    ),
    "screenconnect": ("ScreenConnect", ("screenconnect", "connectwise control"), ()),
    "splashtop": ("Splashtop", ("splashtop",), ()),
    "logmein": ("LogMeIn", ("logmein",), ()),
    "fortinet_vpn": ("FortiGate SSL VPN", ("fortigate", "fortios", "fortinet"), ()),
    "ivanti_vpn": ("Ivanti Connect Secure", ("pulse secure", "connect_secure", "ivanti"), ()),
    "citrix_gateway": ("Citrix Gateway", ("netscaler", "citrix gateway", "citrix adc"), ()),
    "globalprotect": ("GlobalProtect", ("globalprotect", "pan-os", "pan_os"), ()),
    "openvpn": ("OpenVPN", ("openvpn",), (1194,)),
}


@dataclass(frozen=True)
class RemoteAccessFlag:
    """A remote-access tool to look at: `kind` is "undeclared" or "end_of_life"."""

    kind: str
    tool: str
    label: str
    detail: str
    url: str


def tools_named(text: str) -> set[str]:
    """The remote-access tools a text names (banner, product name, CPE)."""
    lowered = text.lower()
    return {key for key, (_name, words, _ports) in REMOTE_TOOLS.items() if _names(lowered, words)}


def _names(lowered: str, words: tuple[str, ...]) -> bool:
    for word in words:
        index = lowered.find(word)
        while index != -1:
            before = lowered[index - 1] if index else " "
            after = lowered[index + len(word) : index + len(word) + 1] or " "
            if not before.isalnum() and not after.isalpha():
                return True
            index = lowered.find(word, index + 1)
    return False


def service_tools(service: Service) -> set[str]:
    texts = " ".join((service.name, service.product, service.extrainfo, service.cpe))
    found = tools_named(texts)
    if not found and service.protocol == "tcp":
        found = {key for key, (_n, _w, ports) in REMOTE_TOOLS.items() if service.port in ports}
    return found


def declared_tools(product: DeclaredProduct) -> set[str]:
    return tools_named(" ".join((product.name, product.cpe_vendor, product.cpe_product)))


def remote_access_flags(*, establishment: Establishment) -> list[RemoteAccessFlag]:
    """The establishment's remote-access tools that need a look (caller checked access)."""
    products = list(
        DeclaredProduct.objects.filter(establishment=establishment).select_related("catalogue")
    )
    declared = {tool for product in products for tool in declared_tools(product)}
    flags = _undeclared(establishment, declared)
    for product in products:
        if (product.remote_access or declared_tools(product)) and is_end_of_life(product):
            flags.append(
                RemoteAccessFlag(
                    "end_of_life",
                    "",
                    str(product),
                    _("Remote-access tool declared but end of life: update or remove it."),
                    _product_url(product),
                )
            )
    return flags


def _undeclared(establishment: Establishment, declared: set[str]) -> list[RemoteAccessFlag]:
    flags: list[RemoteAccessFlag] = []
    services = Service.objects.filter(establishment=establishment, is_open=True).select_related(
        "asset"
    )
    for service in services.order_by("asset__address", "port"):
        for tool in sorted(service_tools(service) - declared):
            name = REMOTE_TOOLS[tool][0]
            flags.append(
                RemoteAccessFlag(
                    "undeclared",
                    tool,
                    name,
                    _("%(tool)s seen by a scan on %(address)s port %(port)s but not declared.")
                    % {"tool": name, "address": service.asset.address, "port": service.port},
                    reverse(
                        "scanning:asset_detail",
                        kwargs={
                            "establishment": establishment.slug,
                            "public_id": service.asset.public_id,
                        },
                    ),
                )
            )
    return flags


def _product_url(product: DeclaredProduct) -> str:
    return reverse(
        "threatwatch:inventory_detail",
        kwargs={"establishment": product.establishment.slug, "public_id": product.public_id},
    )
