"""The local stack behind ``make dev``: moto server, tables, ``chalice local``,
stream pump, scheduler and demo data, all on 127.0.0.1.

Also used by the end-to-end tests and benchmarks (``LocalStack`` on free ports).
Ctrl-C stops every process this command started; a moto server or API that was
already running is reused, and the demo loader skips data it already loaded.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import requests

ROOT = Path(__file__).resolve().parent.parent
API_PREFIX = "/api/v1/tracking"
DEFAULT_MOTO_PORT = 8701
DEFAULT_API_PORT = 8700
ACCOUNT_ID = "123456789012"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def is_listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def wait_for(url: str, timeout: float = 60.0, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process for {url} exited with {process.returncode}")
        with contextlib.suppress(requests.RequestException):
            if requests.get(url, timeout=1).status_code < 500:
                return
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


def chalice_stage_env(stage: str) -> dict[str, str]:
    """The environment ``.chalice/config.json`` gives the stage's functions (global, then the
    stage's own), so the stream pump and the scheduler run with what ``chalice local`` runs."""
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    env = dict(config.get("environment_variables", {}))
    env.update(config.get("stages", {}).get(stage, {}).get("environment_variables", {}))
    return env


def stack_env(moto_port: int, api_port: int, stage: str = "dev", extra: dict[str, str] | None = None) -> dict[str, str]:
    """Environment shared by every process of the stack (and by clients that talk to it)."""
    endpoint = f"http://127.0.0.1:{moto_port}"
    env = dict(os.environ)
    env.update(chalice_stage_env(stage))
    env.update(
        {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_REGION": "us-east-1",
            "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
            "STAGE": stage,
            "TABLE_PREFIX": f"bilten-{stage}-",
            "EXPORT_BUCKET": f"bilten-{stage}-exports",
            "ALERT_TOPIC_ARN": f"arn:aws:sns:us-east-1:{ACCOUNT_ID}:bilten-{stage}-alerts",
            "DYNAMODB_ENDPOINT": endpoint,
            "S3_ENDPOINT": endpoint,
            "SNS_ENDPOINT": endpoint,
            "API_BASE_URL": f"http://127.0.0.1:{api_port}{API_PREFIX}",
            "PYTHONPATH": str(ROOT),
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.pop("AWS_SESSION_TOKEN", None)
    env.pop("AWS_SECURITY_TOKEN", None)
    env.update(extra or {})
    return env


@dataclass
class LocalStack:
    """Processes of one local stack. ``start()`` is idempotent per component."""

    moto_port: int = DEFAULT_MOTO_PORT
    api_port: int = DEFAULT_API_PORT
    stage: str = "dev"
    extra_env: dict[str, str] = field(default_factory=dict)
    background: tuple[str, ...] = ("local.stream_pump", "local.lake_pump", "local.scheduler")
    log_dir: Path | None = None
    processes: list[tuple[str, subprocess.Popen]] = field(default_factory=list)
    _logs: list[IO[bytes]] = field(default_factory=list)

    @property
    def env(self) -> dict[str, str]:
        return stack_env(self.moto_port, self.api_port, self.stage, self.extra_env)

    @property
    def moto_url(self) -> str:
        return f"http://127.0.0.1:{self.moto_port}"

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}{API_PREFIX}"

    def _spawn(self, name: str, args: list[str]) -> subprocess.Popen:
        stdout: int | IO[bytes] = subprocess.DEVNULL
        if self.log_dir is not None:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            handle = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115 - closed in stop()
            self._logs.append(handle)
            stdout = handle
        process = subprocess.Popen(
            args, cwd=ROOT, env=self.env, stdout=stdout, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.processes.append((name, process))
        return process

    def start_moto(self) -> bool:
        """Start the moto server unless one already listens. Returns True if started here."""
        if is_listening(self.moto_port):
            return False
        process = self._spawn(
            "moto", [sys.executable, "-m", "local.moto_server", "-H", "127.0.0.1", "-p", str(self.moto_port)]
        )
        wait_for(f"{self.moto_url}/moto-api/", process=process)
        return True

    def bootstrap(self) -> None:
        """Tables from the models, the export bucket and the alert topic (all idempotent)."""
        subprocess.run([sys.executable, "-m", "local.bootstrap"], cwd=ROOT, env=self.env, check=True)

    def start_api(self) -> bool:
        if is_listening(self.api_port):
            return False
        process = self._spawn(
            "api", [sys.executable, "-m", "local.chalice_local", "--port", str(self.api_port), "--stage", self.stage]
        )
        wait_for(f"{self.api_url}/health", process=process)
        return True

    def start_background(self) -> list[str]:
        started = []
        for module in self.background:
            if (ROOT / (module.replace(".", "/") + ".py")).exists():
                self._spawn(module.rsplit(".", 1)[-1], [sys.executable, "-m", module])
                started.append(module)
        return started

    def start(self) -> LocalStack:
        self.start_moto()
        self.bootstrap()
        self.start_api()
        self.start_background()
        return self

    def stop(self) -> None:
        for _, process in reversed(self.processes):
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        for _, process in reversed(self.processes):
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
        self.processes.clear()
        for handle in self._logs:
            handle.close()
        self._logs.clear()

    def __enter__(self) -> LocalStack:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc: object) -> None:
        self.stop()


STACK_FILE = ROOT / ".dev" / "stack.json"


def record_stack(stack: LocalStack) -> None:
    """Where the running stack listens, for the operator CLI (``chalicelib.cli --local``)."""
    STACK_FILE.parent.mkdir(parents=True, exist_ok=True)
    info = {"moto_port": stack.moto_port, "api_port": stack.api_port, "stage": stack.stage, "pid": os.getpid()}
    STACK_FILE.write_text(json.dumps(info))


def forget_stack() -> None:
    with contextlib.suppress(OSError):
        if json.loads(STACK_FILE.read_text()).get("pid") == os.getpid():
            STACK_FILE.unlink()


def admin_token(env: dict[str, str]) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "chalicelib.cli", "token", "--role", "admin", "--user-id", "admin"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout.strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the Bilten Analytics stack locally.")
    parser.add_argument("--moto-port", type=int, default=int(os.environ.get("MOTO_PORT", DEFAULT_MOTO_PORT)))
    parser.add_argument("--api-port", type=int, default=int(os.environ.get("API_PORT", DEFAULT_API_PORT)))
    parser.add_argument("--no-demo", action="store_true", help="skip loading the demo data set")
    parser.add_argument("--demo-days", type=int, default=30)
    parser.add_argument("--demo-visits-per-day", type=int, default=60)
    parser.add_argument("--exit-when-ready", action="store_true", help="stop everything once ready (smoke test)")
    args = parser.parse_args(argv)

    stack = LocalStack(moto_port=args.moto_port, api_port=args.api_port, log_dir=ROOT / ".dev" / "logs")
    stopping = False

    def request_stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, request_stop)
    try:
        print(f"• moto server      {stack.moto_url}  ({'started' if stack.start_moto() else 'reused'})", flush=True)
        stack.bootstrap()
        print("• tables, bucket and topic ready", flush=True)
        print(f"• chalice local    {stack.api_url}  ({'started' if stack.start_api() else 'reused'})", flush=True)
        for module in stack.start_background():
            print(f"• {module:<16} started", flush=True)
        if not args.no_demo:
            subprocess.run(
                [
                    *(sys.executable, "-m", "local.demo_data", "--base-url", stack.api_url),
                    *("--days", str(args.demo_days), "--visits-per-day", str(args.demo_visits_per_day)),
                ],
                env=stack.env,
                cwd=ROOT,
                check=True,
            )
        record_stack(stack)
        token = admin_token(stack.env)
        origin = f"http://127.0.0.1:{stack.api_port}"
        print("\nready", flush=True)
        print(f"  API base URL : {stack.api_url}")
        print(f"  Dashboard    : {origin}/dashboard#token={token}")
        print(f"  Admin token  : {token}")
        print(f"  Logs         : {stack.log_dir}")
        print(f"  Try          : curl -H 'Authorization: Bearer <token>' '{stack.api_url}/health'")
        print("Press Ctrl-C to stop.", flush=True)
        if args.exit_when_ready:
            return 0
        while not stopping:
            for name, process in stack.processes:
                if process.poll() is not None:
                    print(f"{name} exited with {process.returncode}; see {stack.log_dir}/{name}.log", flush=True)
                    return 1
            time.sleep(1)
    except KeyboardInterrupt:
        print("\nstopping…", flush=True)
    finally:
        forget_stack()
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
