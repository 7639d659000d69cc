"""From nmap's view of a service to catalog products, versions and distribution builds."""

from __future__ import annotations

import pytest

from rempart.threatwatch.aliases import products_of
from rempart.threatwatch.cpe import CpeError, parse


def test_openssh_debian_banner_is_a_distro_build() -> None:
    [found] = products_of(
        product="OpenSSH", version="9.2p1 Debian 2+deb12u10", cpe="cpe:/a:openbsd:openssh:9.2p1"
    )
    assert found.candidates == (("openbsd", "openssh"),)
    assert found.version == "9.2p1"
    assert found.distro_build.lower() == "debian"


def test_nginx_and_redis_names_are_mapped() -> None:
    [nginx] = products_of(product="nginx", version="1.22.1", cpe="cpe:/a:igor_sysoev:nginx:1.22.1")
    assert nginx.candidates == (("f5", "nginx"), ("nginx", "nginx"))
    assert nginx.distro_build == ""
    [redis] = products_of(
        product="Redis key-value store", version="7.0.15", cpe="cpe:/a:redislabs:redis:7.0.15"
    )
    assert redis.candidates == (("redis", "redis"), ("redislabs", "redis"))


def test_mariadb_behind_mysql_protocol() -> None:
    [found] = products_of(
        product="MySQL",
        version="5.5.5-10.11.19-MariaDB-0+deb12u1",
        cpe="cpe:/a:mysql:mysql:5.5.5-10.11.19-mariadb-0%2Bdeb12u1",
    )
    assert found.candidates == (("mariadb", "mariadb"),)
    assert found.version == "10.11.19"
    assert found.distro_build


def test_apache_banner_with_embedded_openssl() -> None:
    found = products_of(
        product="Apache httpd",
        version="2.4.37",
        extrainfo="(Red Hat Enterprise Linux) OpenSSL/1.1.1k",
    )
    assert [(f.candidates[0], f.version) for f in found] == [
        (("apache", "http_server"), "2.4.37"),
        (("openssl", "openssl"), "1.1.1k"),
    ]
    assert all(f.distro_build == "Red Hat" for f in found)


def test_unknown_product_gives_nothing() -> None:
    assert products_of(product="Acme Widget", version="1.0") == []
    assert products_of(product="OpenSSH", version="") == []


def test_cpe_parsing() -> None:
    cpe = parse("cpe:2.3:a:openbsd:openssh:8.5:p1:*:*:*:*:*:*")
    assert (cpe.vendor, cpe.product, cpe.full_version) == ("openbsd", "openssh", "8.5p1")
    assert parse("cpe:/a:apache:http_server:2.4.49").version == "2.4.49"
    assert parse(r"cpe:2.3:a:vendor:prod\:uct:1.0:*:*:*:*:*:*:*").product == "prod:uct"
    for bad in (
        "cpe:2.3:a:x",
        "not a cpe",
        "cpe:2.3:z:v:p:1:*:*:*:*:*:*:*",
        "cpe:2.3:a:*:*:1:*:*:*:*:*:*:*",
    ):
        with pytest.raises(CpeError):
            parse(bad)


@pytest.mark.parametrize("version", ["3.X - 4.X", "2.6.X", "5.0 - 6.0", "9.6.0 or later"])
def test_a_version_family_is_not_matched(version: str) -> None:
    """nmap names Samba over SMB2 `3.X - 4.X`: matching "3" would raise false alarms."""
    found = products_of(product="Samba smbd", version=version, cpe="cpe:/a:samba:samba")
    assert found == []
    [exact] = products_of(product="Samba smbd", version="4.17.12-Debian", cpe="cpe:/a:samba:samba")
    assert exact.version == "4.17.12"
