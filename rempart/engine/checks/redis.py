"""Redis answering without authentication."""

from __future__ import annotations

from typing import Any

from rempart.engine.checks.base import Check, CheckContext, recv_until, register
from rempart.engine.model import Finding, Host, Service
from rempart.engine.problems import msg


def _read_reply(sock: Any) -> bytes:
    """One RESP reply: an error line (`-NOAUTH…`) ends at once; a bulk string `$N` is read
    to its announced length, so a protected server costs no timeout."""
    reply = recv_until(sock, limit=16384, marker=b"\r\n")
    if not reply.startswith(b"$"):
        return reply
    header, _, body = reply.partition(b"\r\n")
    try:
        wanted = int(header[1:]) + 2
    except ValueError:
        return reply
    while len(body) < wanted:
        chunk = recv_until(sock, limit=wanted - len(body))
        if not chunk:
            break
        body += chunk
    return header + b"\r\n" + body


@register
class RedisNoAuth(Check):
    id = "redis.no-auth"
    title = "Redis accepts commands without authentication"
    description = (
        "The Redis server answers INFO without a password: anyone on the network can "
        "read and change its data and, through CONFIG, often take over the host."
    )
    remediation = (
        "Set a password (requirepass or ACL users), keep protected-mode on and bind "
        "Redis to the interfaces that need it."
    )
    severity = "high"
    references = ("https://redis.io/docs/latest/operate/oss_and_stack/management/security/",)
    ports = (6379,)
    services = ("redis",)

    def run(self, context: CheckContext, host: Host, service: Service) -> list[Finding]:
        try:
            with context.allowed.tcp_connect(host.address, service.port, context.timeout) as sock:
                sock.sendall(b"*2\r\n$4\r\nINFO\r\n$6\r\nserver\r\n")
                reply = _read_reply(sock)
        except OSError:
            return []
        if not reply.startswith(b"$") or b"redis_version:" not in reply:
            return []
        version = reply.split(b"redis_version:", 1)[1].split(b"\r\n", 1)[0].decode(errors="replace")
        service.product, service.version = service.product or "Redis", service.version or version
        return [self.finding(host, service, evidence=msg("redis.info", version=version))]
