"""Tracking endpoints of phishing simulations under load: gunicorn serving the application,
hit by wrk on the open pixel (`/p/<token>/o.gif`), the click page (`/p/<token>/`) and the
gesture beacon (`POST /p/<token>/h`, scored like a click) of valid tokens (goals, half pixel
half click: at least 500 requests/s, p99 at most 50 ms, p99 within 10 % between a 1,000- and
a 100,000-recipient campaign).

    .venv/bin/python -m bench.phishing_tracking [--sizes 1000 100000] [--duration 20]
        [--rate 500] [--workers N --threads N] [--modes mix pixel click gesture]
        [--database-url postgresql://postgres@127.0.0.1:5432/rempart_bench_tracking]

For each size, in its own throw-away data directory (production settings `config.settings`;
SQLite unless `--database-url`, a PostgreSQL database created and dropped per size): a
campaign approved with `campaign_approve`, every target then marked sent an hour ago. Then
gunicorn as `rempart run` starts it (`config.wsgi:application`, whose tracking paths take
the fast path's own handler; 2 processes per CPU + 1, one thread each; access log on,
without the tracking paths) on 127.0.0.1, with `REMPART_TRUSTED_PROXIES=127.0.0.1`, and
`wrk -t2 -c32 -d<duration>s --latency` with a Lua script that picks a random token of the
campaign for each request, a current Chrome user agent and an `X-Forwarded-For` address in
one of `--networks` /24 networks (as behind a reverse proxy). Three runs per size after a
3 s warm-up: half pixel half click (the goal), pixel only, click only, gesture beacons only
(each a person's: the click confirmed, the training assigned, the page read). Without `--rate`,
each of the 32 connections sends its next request as soon as it has the answer (the most
the server serves; latency then includes the wait behind the other 31 connections); with
`--rate R`, each connection waits a random 0.5 to 1.5 times 32/R s between requests, so about R
requests/s are offered and the latency is the server's at that load (the achieved rate is
reported). The interactions stored are counted against the requests wrk completed. Needs
`wrk` (`tools/system-deps.sh bench`, or Debian: apt-get install wrk).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from bench.common import machine
from bench.phishing_launch import approve, bench_home, load, pending_campaign, world
from rempart.ops.gunicorn import WEB_THREADS, web_workers

UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
LUA = """
local tokens = {}
local mode = os.getenv("BENCH_MODE") or "mix"
local networks = tonumber(os.getenv("BENCH_NETWORKS") or "256")
local threads = 0
local counter = 0
local pace = tonumber(os.getenv("BENCH_DELAY_MS") or "0")
local per_connection = tonumber(os.getenv("BENCH_PER_CONNECTION") or "3")

if pace > 0 then  -- paced: each connection waits about `pace` ms between its requests
  function delay() return math.random(math.floor(pace / 2), math.floor(pace * 3 / 2)) end
end

function setup(thread)
  thread:set("id", threads)
  threads = threads + 1
end

function init(args)
  for line in io.lines(os.getenv("BENCH_TOKENS")) do tokens[#tokens + 1] = line end
  math.randomseed(os.time() + id * 7919)
end

function request()
  counter = counter + 1
  local token = tokens[math.random(#tokens)]
  local path = "/p/" .. token .. "/"
  if mode == "pixel" or (mode == "mix" and counter % 2 == 0) then
    path = path .. "o.gif"
  end
  local net = math.random(0, networks - 1)
  local ip = "10." .. math.floor(net / 256) .. "." .. (net % 256) .. "." .. math.random(1, 254)
  local headers = {["User-Agent"] = "{UA}", ["X-Forwarded-For"] = ip}
  if counter % per_connection == 0 then headers["Connection"] = "close" end
  if mode == "gesture" then
    return wrk.format("POST", "/p/" .. token .. "/h?page=learn", headers, "")
  end
  return wrk.format("GET", path, headers)
end
"""


def prepare(size: int, home: Path) -> tuple[Path, float]:
    """An approved campaign of `size` targets, all sent; their tokens in a file."""
    import datetime as dt  # noqa: PLC0415

    from django.utils import timezone  # noqa: PLC0415

    from rempart.phishing.choices import CampaignStatus, TargetState  # noqa: PLC0415

    w = world(size)
    campaign = pending_campaign(w, f"Campagne {size}")
    _, seconds = approve(w, campaign)
    sent = timezone.now() - dt.timedelta(hours=1)
    campaign.targets.update(state=TargetState.SENT, sent_at=sent, attempts=1)
    type(campaign).objects.filter(pk=campaign.pk).update(status=CampaignStatus.RUNNING)
    tokens = home / "tokens.txt"
    tokens.write_text("\n".join(campaign.targets.values_list("token", flat=True)) + "\n")
    return tokens, seconds


def start_gunicorn(port: int, workers: int, threads: int) -> subprocess.Popen[bytes]:
    from rempart.ops.management.commands.run import _gunicorn_control_socket_off  # noqa: PLC0415

    env = dict(
        os.environ,
        REMPART_ALLOWED_HOSTS="127.0.0.1",
        REMPART_TRUSTED_PROXIES="127.0.0.1",
    )
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--access-logfile",
            "-",
            "--logger-class",
            "rempart.ops.gunicorn.AccessLogger",
            "--graceful-timeout",
            "5",
            *_gunicorn_control_socket_off(),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_ready(port: int, token: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    url = f"http://127.0.0.1:{port}/p/{token}/o.gif"
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("gunicorn did not answer")


CONNECTIONS = 32
# Requests per connection before the client closes it (a recipient's browser asks for a page,
# the pixel, the gesture beacon): new connections keep coming, as from many recipients,
# instead of 32 connections opened at once and kept, which one gunicorn process may accept
# nearly all of (seen: 30 of 32) and serve alone.
PER_CONNECTION = 3


def run_wrk(
    port: int,
    script: Path,
    tokens: Path,
    *,
    mode: str,
    seconds: int,
    networks: int,
    rate: int = 0,
) -> str:
    env = dict(
        os.environ,
        BENCH_MODE=mode,
        BENCH_TOKENS=str(tokens),
        BENCH_NETWORKS=str(networks),
        BENCH_PER_CONNECTION=str(PER_CONNECTION),
    )
    if rate:  # an offered load of about `rate` requests/s in all
        env["BENCH_DELAY_MS"] = str(round(CONNECTIONS * 1000 / rate))
    command = [
        "wrk",
        "-t2",
        f"-c{CONNECTIONS}",
        f"-d{seconds}s",
        "--latency",
        "-s",
        str(script),
        f"http://127.0.0.1:{port}",
    ]
    return subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout


def parse(output: str) -> dict[str, Any]:
    def ms(text: str) -> float:
        found = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
        if found is None:
            raise SystemExit(f"unexpected wrk output:\n{output}")
        value, unit = found.groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]

    found = {
        key: ms(m[1])
        for key, pattern in (("p50", r"^\s*50%\s+(\S+)"), ("p99", r"^\s*99%\s+(\S+)"))
        if (m := re.search(pattern, output, re.MULTILINE))
    }
    found["rps"] = float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1])  # type: ignore[index]
    found["requests"] = int(re.search(r"(\d+) requests in", output)[1])  # type: ignore[index]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    found["non2xx"] = int(errors[1]) if errors else 0
    sockets = re.search(r"Socket errors: (.*)", output)
    found["socket_errors"] = sockets[1] if sockets else "none"
    return found


def measure(size: int, args: argparse.Namespace) -> list[tuple[int, str, dict[str, Any]]]:
    with bench_home(f"rempart-bench-tracking-{size}-", args.database_url) as home:
        from django.db import connection  # noqa: PLC0415

        from rempart.phishing.models import Interaction  # noqa: PLC0415
        from tests.processes import free_port  # noqa: PLC0415

        started = time.perf_counter()
        tokens, approve_seconds = prepare(size, home)
        print(
            f"{size} targets ready in {time.perf_counter() - started:.1f} s "
            f"(approval {approve_seconds:.1f} s); database: {connection.vendor}",
            flush=True,
        )
        connection.close()
        script = home / "tracking.lua"
        script.write_text(LUA.replace("{UA}", UA))
        port = free_port()
        server = start_gunicorn(port, args.workers, args.threads)
        results = []
        try:
            wait_ready(port, tokens.read_text().split("\n", 1)[0])
            run_wrk(port, script, tokens, mode="mix", seconds=3, networks=args.networks)  # warm-up
            for mode in args.modes:
                before = Interaction.objects.count()
                loadavg = load()
                figures = parse(
                    run_wrk(
                        port,
                        script,
                        tokens,
                        mode=mode,
                        seconds=args.duration,
                        networks=args.networks,
                        rate=args.rate,
                    )
                )
                figures["stored"] = Interaction.objects.count() - before
                figures["load"] = loadavg
                results.append((size, mode, figures))
                print(
                    f"{size:>7} {mode:7}: {figures['rps']:7.1f} req/s, p50 "
                    f"{figures['p50']:.1f} ms, p99 {figures['p99']:.1f} ms, "
                    f"{figures['requests']} requests, {figures['stored']} interactions stored, "
                    f"non-2xx {figures['non2xx']}, socket errors {figures['socket_errors']}, "
                    f"load before {loadavg}",
                    flush=True,
                )
        finally:
            server.terminate()
            server.wait(timeout=30)
            connection.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 100_000])
    parser.add_argument("--duration", type=int, default=20, help="seconds per wrk run")
    parser.add_argument("--modes", nargs="+", default=["mix", "pixel", "click", "gesture"])
    parser.add_argument("--networks", type=int, default=256, help="client /24 networks")
    parser.add_argument(
        "--workers", type=int, default=web_workers(), help="gunicorn processes (as rempart run)"
    )
    parser.add_argument(
        "--rate", type=int, default=0, help="offered requests/s (0: as many as served)"
    )
    parser.add_argument(
        "--threads", type=int, default=WEB_THREADS, help="threads per process (as rempart run)"
    )
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: tools/system-deps.sh bench (Debian: apt-get install wrk)")
    if args.child:  # one size per process: Django's settings name one data directory
        print("RESULT " + json.dumps(measure(args.sizes[0], args)), flush=True)
        return
    print(f"Machine: {machine()}", flush=True)
    results = []
    for size in args.sizes:
        command = [sys.executable, "-m", "bench.phishing_tracking", "--child", "--sizes", str(size)]
        command += ["--duration", str(args.duration), "--networks", str(args.networks)]
        command += ["--workers", str(args.workers), "--threads", str(args.threads)]
        command += ["--rate", str(args.rate)]
        command += ["--modes", *args.modes]
        if args.database_url:
            command += ["--database-url", args.database_url]
        with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as child:
            assert child.stdout is not None  # noqa: S101
            for line in child.stdout:
                if line.startswith("RESULT "):
                    results += json.loads(line[7:])
                else:
                    print(line, end="", flush=True)
        if child.returncode:
            raise SystemExit(f"size {size} failed")
    print("| Campaign | Requests | req/s | p50 | p99 | non-2xx | stored | load (1, 5, 15 min) |")
    print("|---:|---|---:|---:|---:|---:|---:|---|")
    for size, mode, f in results:
        print(
            f"| {size:,} | {mode} | {f['rps']:.0f} | {f['p50']:.1f} ms | {f['p99']:.1f} ms | "
            f"{f['non2xx']} | {f['stored']} | {f['load']} |"
        )


if __name__ == "__main__":
    main()
