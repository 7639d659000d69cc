"""What the probe does: enrol, then loop — send what waits on disk, heartbeat, long-poll a
job, check it, run the engine, spool the result, send it."""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import logging
import os
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rempart.engine.__main__ import job_from_dict
from rempart.engine.model import ScanResult
from rempart.engine.runner import run_scan
from rempart.probe import PROBE_VERSION, signing
from rempart.probe.client import CentreClient, CentreUnreachableError, RefusedError
from rempart.probe.jobs import JobRefusedError, verify_job
from rempart.probe.state import Enrolment, State

logger = logging.getLogger("rempart.probe")
CHUNK_BYTES = 256 * 1024
POLL_WAIT_S = 20
META = "meta.json"


class EnrolmentError(Exception):
    """The centre refused the enrolment (the reason comes from the centre)."""


def enroll(state: State, server: str, code: str, *, ca_file: str | None = None) -> Enrolment:
    state.prepare()
    key = state.key()
    client = CentreClient(server, key, ca_file=ca_file)
    answer = client.post_json(
        "enroll",
        {"code": code, "public_key": signing.public_key_b64(key), "version": PROBE_VERSION},
    )
    if answer.status != 201 or not isinstance(answer.data, dict):  # noqa: PLR2004
        detail = (answer.data or {}).get("detail", "") if isinstance(answer.data, dict) else ""
        raise EnrolmentError(detail or f"HTTP {answer.status}")
    enrolment = Enrolment(
        server=server.rstrip("/"),
        probe=answer.data["probe"],
        name=answer.data["name"],
        establishment=answer.data["establishment"],
        centre_public_key=answer.data["centre_public_key"],
        heartbeat_interval=int(answer.data.get("heartbeat_interval") or 60),
    )
    state.save(enrolment)
    return enrolment


class Agent:
    def __init__(self, state: State, *, ca_file: str | None = None) -> None:
        self.state = state
        self.enrolment = state.enrolment()
        key = state.key()
        self.fingerprint = signing.fingerprint(signing.public_key_b64(key))
        self.centre_key = signing.load_public_key(self.enrolment.centre_public_key)
        self.client = CentreClient(self.enrolment.server, key, ca_file=ca_file)

    # One cycle -------------------------------------------------------------------------
    def cycle(self, *, wait: float = POLL_WAIT_S) -> None:
        """Raises `CentreUnreachableError` (try later) or `RefusedError` (stop)."""
        self.flush()
        self.heartbeat()
        answer = self.client.call("GET", f"jobs/next?wait={int(wait)}", timeout=wait + 30)
        if answer.status == 200 and answer.data:  # noqa: PLR2004
            self.handle(answer.data)
            self.flush()

    def heartbeat(self) -> None:
        try:
            load = os.getloadavg()[0]
        except OSError:
            load = None
        self.client.post_json(
            "heartbeat",
            {"version": PROBE_VERSION, "load": load, "last_job": self.enrolment.last_job},
        )

    def handle(self, answer: Any) -> None:
        try:
            document = verify_job(answer, self.centre_key, self.fingerprint)
        except JobRefusedError as exc:
            logger.error("job refused: %s", exc)
            self._report_refusal(answer, str(exc))
            return
        job_id = str(document["job_id"])
        logger.info("running job %s on %s", job_id, ", ".join(document["scan"]["targets"]))
        try:
            result = self._scan(document["scan"])
        except (ValueError, TypeError, KeyError) as exc:
            self.client.post_json(f"jobs/{job_id}/fail", {"error": f"invalid job: {exc}"})
            return
        self.spool(job_id, result.to_dict())
        self.enrolment.last_job = job_id
        self.state.save(self.enrolment)

    def _scan(self, scan: dict[str, Any]) -> ScanResult:
        """Run the engine; heartbeats go on meanwhile so that a long scan is not "silent"."""
        job = job_from_dict(scan)
        done = threading.Event()

        def beat() -> None:
            while not done.wait(self.enrolment.heartbeat_interval):
                with contextlib.suppress(CentreUnreachableError, RefusedError):
                    self.heartbeat()

        threading.Thread(target=beat, name="heartbeat", daemon=True).start()
        try:
            return run_scan(job)
        finally:
            done.set()

    def _report_refusal(self, answer: Any, reason: str) -> None:
        job = answer.get("job") if isinstance(answer, dict) else None
        job_id = job.get("job_id") if isinstance(job, dict) else None
        if isinstance(job_id, str) and job_id.replace("-", "").isalnum():
            self.client.post_json(
                f"jobs/{job_id}/fail", {"error": f"refused by the probe: {reason}"}
            )

    # The spool ---------------------------------------------------------------------------
    def spool(self, job_id: str, result: dict[str, Any]) -> Path:
        """Write the result in chunks on disk before any upload attempt."""
        packed = gzip.compress(json.dumps(result).encode())
        folder = self.state.spool_dir(job_id)
        partial = folder.with_name(folder.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        chunks = [packed[i : i + CHUNK_BYTES] for i in range(0, len(packed), CHUNK_BYTES)]
        for index, chunk in enumerate(chunks):
            (partial / f"{index:05d}.chunk").write_bytes(chunk)
        meta = {
            "job_id": job_id,
            "chunks": len(chunks),
            "sha256": hashlib.sha256(packed).hexdigest(),
            "sent": [],
        }
        (partial / META).write_text(json.dumps(meta))
        partial.replace(folder)
        logger.info("result of job %s kept on disk (%d chunks)", job_id, len(chunks))
        return folder

    def flush(self) -> int:
        """Send every spooled result; returns how many were delivered."""
        delivered = 0
        for folder in self.state.spooled():
            if folder.name.endswith(".partial"):
                shutil.rmtree(folder, ignore_errors=True)
                continue
            delivered += self._send(folder)
        return delivered

    def _send(self, folder: Path) -> int:
        meta = json.loads((folder / META).read_text())
        job_id = meta["job_id"]
        for index in range(meta["chunks"]):
            if index in meta["sent"]:
                continue
            data = (folder / f"{index:05d}.chunk").read_bytes()
            key = f"{job_id}:{index}:{hashlib.sha256(data).hexdigest()[:32]}"
            answer = self.client.call(
                "POST",
                f"jobs/{job_id}/chunks/{index}",
                data,
                content_type="application/octet-stream",
                headers={"Idempotency-Key": key},
            )
            if answer.status not in (200, 201):
                return self._rejected(folder, answer.data)
            meta["sent"].append(index)
            (folder / META).write_text(json.dumps(meta))
        answer = self.client.post_json(
            f"jobs/{job_id}/finish", {"chunks": meta["chunks"], "sha256": meta["sha256"]}
        )
        if answer.status != 200:  # noqa: PLR2004
            return self._rejected(folder, answer.data)
        shutil.rmtree(folder)
        logger.info("result of job %s delivered", job_id)
        return 1

    def _rejected(self, folder: Path, data: Any) -> int:
        logger.error("the centre refused the result in %s: %s", folder.name, data)
        self.state.reject(folder)
        return 0


def run_forever(
    agent: Agent, *, stop: Callable[[], bool], once: bool = False, wait: float = POLL_WAIT_S
) -> int:
    """The probe's main loop; returns the exit status (3 when the centre refuses the probe)."""
    backoff = 5.0
    while not stop():
        try:
            agent.cycle(wait=wait)
            backoff = 5.0
        except RefusedError as exc:
            logger.error("%s: stopping (enrol again with a new code if it was revoked)", exc)
            return 3
        except CentreUnreachableError as exc:
            logger.warning("centre unreachable (%s): results stay on disk", exc)
            if once:
                return 0
            time.sleep(backoff)
            backoff = min(backoff * 2, 300.0)
            continue
        if once:
            return 0
    return 0
