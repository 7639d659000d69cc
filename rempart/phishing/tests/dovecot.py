"""A real IMAP server for the report-mailbox tests: Debian's dovecot, started on 127.0.0.1
and a free port with its own throw-away configuration (no TLS, one passwd-file user,
maildir in a temporary directory), in the foreground, stopped at teardown.

Use the `dovecot` fixture (session-wide server) and `imap_inbox` (an empty INBOX for the
test): import `dovecot_fixture` and `imap_inbox_fixture` into the test module. Tests are
skipped when `/usr/sbin/dovecot` is not installed.
"""

from __future__ import annotations

import contextlib
import getpass
import grp
import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

DOVECOT = "/usr/sbin/dovecot"
USER = "signalement"
PASSWORD = "motdepasse-de-test"
START_TIMEOUT = 15.0

CONFIG = """\
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal_user}
default_internal_group = {internal_group}
default_login_user = {login_user}
first_valid_uid = 1
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""


@dataclass(frozen=True)
class DovecotServer:
    host: str
    port: int
    user: str
    password: str
    log: Path

    def connect(self) -> imaplib.IMAP4:
        client = imaplib.IMAP4(self.host, self.port, timeout=10)
        client.login(self.user, self.password)
        return client

    def append(self, raw: bytes, *, folder: str = "INBOX") -> None:
        """Deliver one message (unseen) into `folder`."""
        client = self.connect()
        try:
            status, data = client.append(folder, "", imaplib.Time2Internaldate(time.time()), raw)
            assert status == "OK", data
        finally:
            client.logout()

    def purge(self, folder: str = "INBOX") -> None:
        """Delete every message of `folder`."""
        client = self.connect()
        try:
            _status, data = client.select(folder)
            if int(data[0] or 0):
                client.store("1:*", "+FLAGS", "(\\Deleted)")
                client.expunge()
        finally:
            client.logout()

    def unseen(self, folder: str = "INBOX") -> int:
        client = self.connect()
        try:
            client.select(folder, readonly=True)
            _status, data = client.search(None, "UNSEEN")
            return len(data[0].split())
        finally:
            client.logout()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _accounts() -> tuple[str, str, str, int, int]:
    """Internal user/group, login user and mail uid/gid: dovecot refuses to run its internal
    processes or mail access as root, so root uses the package's own accounts."""
    if os.geteuid() == 0:
        mail = pwd.getpwnam("dovecot")
        return "dovecot", "dovecot", "dovenull", mail.pw_uid, mail.pw_gid
    name = getpass.getuser()
    group = grp.getgrgid(os.getgid()).gr_name
    return name, group, name, os.getuid(), os.getgid()


def _write_config(root: Path, port: int) -> Path:
    internal_user, internal_group, login_user, uid, gid = _accounts()
    for sub in ("run", "state", "mail", "home"):
        (root / sub).mkdir()
    for sub in ("mail", "home"):
        os.chown(root / sub, uid, gid)
    (root / "passwd").write_text(f"{USER}:{PASSWORD}::::::\n", encoding="utf-8")
    text = CONFIG.format(
        root=root,
        port=port,
        uid=uid,
        gid=gid,
        internal_user=internal_user,
        internal_group=internal_group,
        login_user=login_user,
    )
    path = root / "dovecot.conf"
    path.write_text(text, encoding="utf-8")
    return path


def _wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.1)
    output = log.read_text(errors="replace") if log.exists() else ""
    raise RuntimeError(f"dovecot did not start on port {port}: {output[-2000:]}")


@contextlib.contextmanager
def dovecot_server() -> Iterator[DovecotServer]:
    """Start dovecot in the foreground on a free port; stop it and remove its files after."""
    root = Path(tempfile.mkdtemp(prefix="rempart-dovecot-"))
    root.chmod(0o755)  # the mail user (not root) must reach the maildir
    port = free_port()
    config = _write_config(root, port)
    process = subprocess.Popen(
        [DOVECOT, "-F", "-c", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=(root / "stderr.log").open("wb"),
    )
    try:
        _wait_for_port(port, process, root / "dovecot.log")
        yield DovecotServer("127.0.0.1", port, USER, PASSWORD, root / "dovecot.log")
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session", name="dovecot")
def dovecot_fixture() -> Iterator[DovecotServer]:
    if not Path(DOVECOT).exists():
        pytest.skip("dovecot is not installed (apt-get install dovecot-imapd)")
    with dovecot_server() as server:
        yield server


@pytest.fixture(name="imap_inbox")
def imap_inbox_fixture(dovecot: DovecotServer) -> DovecotServer:
    """The server with an empty INBOX for this test."""
    dovecot.purge()
    return dovecot
