"""The real daemons of the lab: their configuration files and command lines.

Each builder takes the host's context (namespace, address, private directory) and returns a
`Daemon`: the command to start in the namespace, the sockets it must listen on before the
lab is ready, an optional preparation step and shell prelude lines run in the daemon's
private mount namespace (a private devpts for telnetd, a private /tmp for Xvnc, a private
/run/xrdp for xrdp). Every configuration, pid, log and data file lives under the host's
directory, never in the system's paths, so several labs can run side by side.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tests.lab import certs
from tests.lab.plumbing import LabError

HERE = Path(__file__).resolve().parent


@dataclass
class HostContext:
    name: str
    namespace: str
    address: str
    directory: Path
    ca: certs.TestCA


@dataclass
class Daemon:
    name: str
    argv: list[str]
    listens: set[tuple[str, int]]
    prelude: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    prepare: Callable[[], None] | None = None


def _dir(ctx: HostContext, name: str) -> Path:
    path = ctx.directory / name
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o755)
    return path


def _write(path: Path, text: str, mode: int = 0o644) -> Path:
    path.write_text(textwrap.dedent(text).lstrip())
    path.chmod(mode)
    return path


# --- FTP, telnet, SNMP: the legacy server ----------------------------------------------------


def vsftpd(ctx: HostContext, *, anonymous: bool = True) -> Daemon:
    """vsftpd 3.0.3, anonymous read-only login, no TLS (so also cleartext FTP)."""
    base = _dir(ctx, "vsftpd")
    root = _dir(ctx, "vsftpd/pub")
    _dir(ctx, "vsftpd/empty")
    _write(root / "patients-export-2019.csv", "id;name\n1;TEST PATIENT\n")
    # Local accounts are the only way to switch anonymous off: vsftpd refuses to run with
    # both kinds of login disabled.
    conf = _write(
        base / "vsftpd.conf",
        f"""
        listen=YES
        listen_ipv6=NO
        listen_port=21
        background=NO
        anonymous_enable={"YES" if anonymous else "NO"}
        local_enable={"NO" if anonymous else "YES"}
        pam_service_name=vsftpd
        write_enable=NO
        anon_root={root}
        no_anon_password=YES
        secure_chroot_dir={base / "empty"}
        pasv_enable=YES
        pasv_min_port=40000
        pasv_max_port=40009
        connect_from_port_20=NO
        seccomp_sandbox=NO
        xferlog_enable=NO
        vsftpd_log_file={base / "vsftpd.log"}
        """,
        0o600,
    )
    return Daemon("vsftpd", ["/usr/sbin/vsftpd", str(conf)], {("tcp", 21)})


def telnetd(ctx: HostContext) -> Daemon:
    """inetutils-telnetd under openbsd-inetd. telnetd needs a working devpts, which the
    daemon gets in its own mount namespace (a new devpts instance): without it telnetd
    accepts and stays silent."""
    base = _dir(ctx, "inetd")
    conf = _write(base / "inetd.conf", "telnet stream tcp nowait root /usr/sbin/telnetd telnetd\n")
    prelude = [
        "mount -t devpts -o newinstance,ptmxmode=0666,mode=0620,gid=5 devpts /dev/pts",
        "mount --bind /dev/pts/ptmx /dev/ptmx",
        "mount -t tmpfs -o mode=0755 tmpfs /run",  # inetd.pid and utmp stay private
    ]
    return Daemon("inetd", ["/usr/sbin/inetd", "-i", str(conf)], {("tcp", 23)}, prelude)


def snmpd(ctx: HostContext) -> Daemon:
    """net-snmp 5.9 with the `public` (read) and `private` (read-write) communities and the
    sysDescr of a 2011 Linux."""
    base = _dir(ctx, "snmpd")
    _dir(ctx, "snmpd/persist")
    conf = _write(
        base / "snmpd.conf",
        """
        rocommunity public default
        rwcommunity private default
        sysDescr Linux legacy-srv 2.6.32-5-686 #1 SMP Mon Oct 3 04:15:24 UTC 2011 i686
        sysName legacy-srv
        sysContact it@hospital.lab.invalid
        sysLocation Local technique, batiment B
        sysServices 72
        """,
        0o600,
    )
    # One listening endpoint, on the command line only (snmpd rejects agentAddress when an
    # endpoint is also given there); no SMUX on TCP 199.
    return Daemon(
        "snmpd",
        [
            "/usr/sbin/snmpd",
            "-f",
            "-C",
            "-c",
            str(conf),
            "-Lf",
            str(base / "snmpd.log"),
            "-p",
            str(base / "snmpd.pid"),
            "-I",
            "-smux",
            "udp:161",
        ],
        {("udp", 161)},
        env={"SNMP_PERSISTENT_DIR": str(base / "persist"), "MIBS": ""},
    )


# --- web servers -----------------------------------------------------------------------------

_NGINX_COMMON = """
worker_processes 1;
pid {base}/nginx.pid;
error_log {base}/error.log;
daemon off;
events {{ worker_connections 256; }}
http {{
    access_log {base}/access.log;
    client_body_temp_path {base}/temp/body;
    proxy_temp_path {base}/temp/proxy;
    fastcgi_temp_path {base}/temp/fastcgi;
    uwsgi_temp_path {base}/temp/uwsgi;
    scgi_temp_path {base}/temp/scgi;
    default_type text/plain;
    server {{
        listen 443 ssl;
        server_name {server_name};
        ssl_certificate {cert};
        ssl_certificate_key {key};
        ssl_protocols {protocols};
        ssl_ciphers "{ciphers}";
        ssl_prefer_server_ciphers on;
        root {root};
        location / {{
{location}
        }}
    }}
}}
"""


def _nginx(
    ctx: HostContext,
    name: str,
    pair: certs.KeyPair,
    *,
    protocols: str,
    ciphers: str,
    location: str,
    files: dict[str, str],
) -> Daemon:
    base = _dir(ctx, name)
    _dir(ctx, f"{name}/temp")
    root = _dir(ctx, f"{name}/www")
    for relative, content in files.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.parent.chmod(0o755)
        _write(target, content)
    conf = _write(
        base / "nginx.conf",
        _NGINX_COMMON.format(
            base=base,
            server_name=ctx.name,
            cert=pair.cert,
            key=pair.key,
            protocols=protocols,
            ciphers=ciphers,
            root=root,
            location=location,
        ),
    )
    return Daemon(
        name,
        ["/usr/sbin/nginx", "-p", str(base), "-c", str(conf), "-e", str(base / "error.log")],
        {("tcp", 443)},
    )


def nginx_legacy(ctx: HostContext) -> Daemon:
    """nginx 1.22 with TLS 1.0/1.1 (OpenSSL 3 needs @SECLEVEL=0), an expired self-signed
    RSA-1024 certificate and an auto-generated directory index. The cipher list holds only
    ECDHE suites (no NULL/anonymous/RC4/3DES) so that the weak-cipher check stays quiet."""
    pair = certs.legacy_certificate(_dir(ctx, "nginx-legacy"), ctx.address)
    return _nginx(
        ctx,
        "nginx-legacy",
        pair,
        protocols="TLSv1 TLSv1.1 TLSv1.2",
        ciphers=(
            "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:"
            "ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES256-SHA:@SECLEVEL=0"
        ),
        location="            autoindex on;",
        files={
            "exports/2019-12-31-adt.hl7": "MSH|^~\\&|LAB|...\n",
            "archives/readme.txt": "nightly archives\n",
        },
    )


def nginx_hardened(ctx: HostContext) -> Daemon:
    """nginx with TLS 1.2/1.3 only, AEAD ECDHE suites, a valid certificate from the test CA."""
    pair = certs.signed_by(
        ctx.ca, _dir(ctx, "nginx-hardened"), "server", ctx.address, f"{ctx.name}.lab.invalid"
    )
    return _nginx(
        ctx,
        "nginx-hardened",
        pair,
        protocols="TLSv1.2 TLSv1.3",
        ciphers=(
            "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305"
        ),
        location="            index index.html;",
        files={"index.html": "<!doctype html><title>Intranet</title><p>Intranet</p>\n"},
    )


# --- data stores -----------------------------------------------------------------------------


def redis(ctx: HostContext, *, password: str | None = None, name: str = "redis") -> Daemon:
    base = _dir(ctx, name)
    lines = [
        "port 6379",
        "bind 0.0.0.0",
        f"protected-mode {'yes' if password else 'no'}",
        "daemonize no",
        f"dir {base}",
        'save ""',
        "appendonly no",
        'logfile ""',
    ]
    if password:
        lines.append(f"requirepass {password}")
    conf = _write(base / "redis.conf", "\n".join(lines) + "\n", 0o600)
    return Daemon(name, ["/usr/bin/redis-server", str(conf)], {("tcp", 6379)})


def memcached(ctx: HostContext) -> Daemon:
    return Daemon(
        "memcached",
        ["/usr/bin/memcached", "-u", "memcache", "-l", "0.0.0.0", "-p", "11211", "-U", "0",  # noqa: S104
         "-m", "16"],
        {("tcp", 11211)},
    )  # fmt: skip


def mosquitto(ctx: HostContext) -> Daemon:
    base = _dir(ctx, "mosquitto")
    conf = _write(
        base / "mosquitto.conf",
        """
        listener 1883 0.0.0.0
        allow_anonymous true
        persistence false
        log_dest stdout
        """,
    )
    return Daemon("mosquitto", ["/usr/sbin/mosquitto", "-c", str(conf)], {("tcp", 1883)})


def mariadb(ctx: HostContext) -> Daemon:
    """A private MariaDB instance (own datadir and socket) where root@'%' has an empty
    password, reachable over TCP on the namespace's address."""
    base = _dir(ctx, "mariadb")
    data = base / "data"
    init = _write(
        base / "init.sql",
        """
        CREATE USER IF NOT EXISTS 'root'@'%' IDENTIFIED BY '';
        GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION;
        """,
    )

    def install() -> None:
        if data.exists():
            return
        data.mkdir()
        for path in (base, data):  # the socket, pid and log files are written as mysql
            shutil.chown(path, "mysql", "mysql")
        result = subprocess.run(
            ["mariadb-install-db", "--no-defaults", f"--datadir={data}", "--user=mysql",
             "--auth-root-authentication-method=normal", "--skip-test-db",
             "--skip-name-resolve"],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        if result.returncode != 0:
            raise LabError(f"mariadb-install-db failed: {result.stdout[-800:]}{result.stderr}")

    argv = [
        "/usr/sbin/mariadbd",
        "--no-defaults",
        f"--datadir={data}",
        "--user=mysql",
        "--port=3306",
        "--bind-address=0.0.0.0",
        f"--socket={base / 'mysqld.sock'}",
        f"--pid-file={base / 'mysqld.pid'}",
        f"--log-error={base / 'error.log'}",
        f"--init-file={init}",
        "--skip-name-resolve",
        "--skip-log-bin",
        "--innodb-buffer-pool-size=16M",
        "--performance-schema=OFF",
    ]
    return Daemon("mariadb", argv, {("tcp", 3306)}, prepare=install)


# --- SMB ------------------------------------------------------------------------------------


def samba(ctx: HostContext) -> Daemon:
    """smbd 4.17 accepting SMBv1 (NT1), signing disabled, a share readable as guest."""
    base = _dir(ctx, "samba")
    for sub in ("lock", "state", "cache", "run", "private", "ncalrpc", "binddns", "log"):
        _dir(ctx, f"samba/{sub}")
    (base / "private").chmod(0o700)
    share = _dir(ctx, "samba/share")
    _write(share / "planning-bloc-op.xlsx", "not really a spreadsheet\n")
    conf = _write(
        base / "smb.conf",
        f"""
        [global]
           workgroup = LAB
           netbios name = FILESRV
           server string = File server
           server role = standalone server
           server min protocol = NT1
           server signing = disabled
           map to guest = Bad User
           guest account = nobody
           smb ports = 445
           disable netbios = yes
           load printers = no
           printing = bsd
           printcap name = /dev/null
           disable spoolss = yes
           lock directory = {base / "lock"}
           state directory = {base / "state"}
           cache directory = {base / "cache"}
           pid directory = {base / "run"}
           private dir = {base / "private"}
           ncalrpc dir = {base / "ncalrpc"}
           binddns dir = {base / "binddns"}
           log file = {base / "log"}/log.%m
           logging = file
           passdb backend = tdbsam:{base / "private"}/passdb.tdb
           usershare max shares = 0

        [public]
           path = {share}
           guest ok = yes
           read only = yes
           browseable = yes
        """,
    )
    return Daemon(
        "smbd",
        ["/usr/sbin/smbd", "--foreground", "--no-process-group", "-s", str(conf),
         "--debug-stdout", "-d", "1"],
        {("tcp", 445)},
    )  # fmt: skip


# --- medical interfaces ---------------------------------------------------------------------


def storescp(ctx: HostContext, port: int) -> Daemon:
    """dcmtk storescp accepting any called AE title; `-dhl`: no reverse DNS (in a DNS-less
    namespace every association would otherwise stall until the client gives up)."""
    incoming = _dir(ctx, f"storescp-{port}")
    return Daemon(
        f"storescp-{port}",
        ["/usr/bin/storescp", "-dhl", "-aet", "PACS01", "-od", str(incoming), str(port)],
        {("tcp", port)},
    )


def mllp(ctx: HostContext) -> Daemon:
    """A small HL7 v2 MLLP listener answering every framed message with an ACK (no HL7
    interface engine is packaged in Debian)."""
    log = _dir(ctx, "mllp") / "messages.log"
    return Daemon(
        "mllp",
        [sys.executable, str(HERE / "mllp.py"), "--port", "2575", "--log", str(log)],
        {("tcp", 2575)},
    )


# --- remote access --------------------------------------------------------------------------


def xrdp(ctx: HostContext) -> Daemon:
    """xrdp 0.9.21 with security_layer=negotiate: it never selects CredSSP (no NLA)."""
    base = _dir(ctx, "xrdp")
    now = dt.datetime.now(dt.UTC)
    pair = certs.self_signed(
        base,
        "xrdp",
        f"{ctx.name}.lab.invalid",
        bits=2048,
        not_before=now - dt.timedelta(days=1),
        not_after=now + dt.timedelta(days=365),
    )
    conf = _write(
        base / "xrdp.ini",
        f"""
        [Globals]
        ini_version=1
        fork=true
        port=3389
        use_vsock=false
        tcp_nodelay=true
        tcp_keepalive=true
        security_layer=negotiate
        crypt_level=high
        certificate={pair.cert}
        key_file={pair.key}
        ssl_protocols=TLSv1.2, TLSv1.3
        autorun=
        allow_channels=true
        max_bpp=32
        new_cursors=true
        use_fastpath=both

        [Logging]
        LogFile={base / "xrdp.log"}
        LogLevel=INFO
        EnableSyslog=false

        [Channels]
        rdpdr=true
        rdpsnd=true
        drdynvc=true
        cliprdr=true

        [Xorg]
        name=Xorg
        lib=libxup.so
        username=ask
        password=ask
        ip=127.0.0.1
        port=-1
        code=20
        """,
    )
    prelude = [
        "mkdir -p /run/xrdp",
        "mount -t tmpfs -o mode=0755 tmpfs /run/xrdp",
        "mkdir -m 3777 /run/xrdp/sockdir",
    ]
    return Daemon("xrdp", ["/usr/sbin/xrdp", "--nodaemon", "--config", str(conf)],
                  {("tcp", 3389)}, prelude)  # fmt: skip


def xvnc(ctx: HostContext) -> Daemon:
    """TigerVNC's Xvnc offering only the "None" security type; its X sockets and lock file
    go to a private /tmp."""
    prelude = ["mount -t tmpfs -o mode=1777 tmpfs /tmp", "mkdir -m 1777 /tmp/.X11-unix"]
    argv = ["/usr/bin/Xvnc", ":0", "-rfbport", "5900", "-SecurityTypes", "None",
            "-nolisten", "tcp", "-geometry", "800x600", "-depth", "24",
            "-desktop", "imaging-workstation"]  # fmt: skip
    return Daemon("xvnc", argv, {("tcp", 5900)}, prelude, env={"HOME": str(_dir(ctx, "xvnc"))})


SSH_KEX = ",".join(
    ["sntrup761x25519-sha512@openssh.com", "curve25519-sha256", "curve25519-sha256@libssh.org"]
)


def sshd(ctx: HostContext) -> Daemon:
    """OpenSSH 9.2 with its own Ed25519 host key, keys only, modern algorithms only."""
    base = _dir(ctx, "sshd")
    key = base / "ssh_host_ed25519_key"
    certs.ssh_host_key(key)
    conf = _write(
        base / "sshd_config",
        f"""
        Port 22
        ListenAddress 0.0.0.0
        HostKey {key}
        PidFile {base / "sshd.pid"}
        PasswordAuthentication no
        KbdInteractiveAuthentication no
        PermitRootLogin no
        UsePAM no
        AuthorizedKeysFile none
        X11Forwarding no
        KexAlgorithms {SSH_KEX}
        HostKeyAlgorithms ssh-ed25519
        Ciphers aes256-gcm@openssh.com,aes128-gcm@openssh.com,aes256-ctr,aes192-ctr,aes128-ctr
        MACs hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com,umac-128-etm@openssh.com
        """,
        0o600,
    )
    prelude = ["mkdir -p -m 0755 /run/sshd"]
    return Daemon("sshd", ["/usr/sbin/sshd", "-D", "-e", "-f", str(conf)], {("tcp", 22)}, prelude)


# --- the decoy (exclusion proof) ------------------------------------------------------------

DECOY_TCP_PORTS = (21, 22, 23, 80, 104, 443, 445, 2575, 3306, 3389, 5900, 6379, 8080, 11112)
DECOY_UDP_PORTS = (161,)


def recorder(ctx: HostContext) -> Daemon:
    """Listens on common ports of the scan and records every contact."""
    log = _dir(ctx, "recorder") / "contacts.jsonl"
    argv = [sys.executable, str(HERE / "recorder.py"), "--log", str(log)]
    argv += [f"--tcp={p}" for p in DECOY_TCP_PORTS] + [f"--udp={p}" for p in DECOY_UDP_PORTS]
    listens = {("tcp", p) for p in DECOY_TCP_PORTS} | {("udp", p) for p in DECOY_UDP_PORTS}
    return Daemon("recorder", argv, listens)
