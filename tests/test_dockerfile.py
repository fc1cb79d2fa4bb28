"""The Dockerfile rehearsed without Docker (no engine runs on this machine).

The image's recipe is read from the Dockerfile itself: the files it COPYs go into a fresh
folder standing for /app, `uv sync --frozen --no-dev` builds a virtual environment from the
lock without the development dependencies (offline, from uv's cache), and its CMD runs with
its ENV, its HEALTHCHECK command deciding when the service is up. This catches what a build
would: a runtime import that only a dev dependency provides, a file the image does not
copy, migrations not found from the installed package, a wrong start command.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.support.feedserver import FeedServer, Reply, rss
from tests.support.service_run import free_port

ROOT = Path(__file__).resolve().parents[1]
UV = shutil.which("uv")


def _instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    out: list[tuple[str, str]] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line, pending = pending + line, ""
        word, _, rest = line.partition(" ")
        out.append((word.upper(), rest.strip()))
    return out


def _env(args: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in shlex.split(args))


def test_dockerfile_recipe(tmp_path: Path, feed_server: FeedServer) -> None:
    if UV is None:
        pytest.skip("uv is not on PATH")
    steps = _instructions((ROOT / "Dockerfile").read_text())
    kinds = [k for k, _ in steps]
    assert kinds[:2] == ["ARG", "FROM"] and steps[1][1].startswith("${BASE_IMAGE}")
    assert steps[0][1] == "BASE_IMAGE=python:3.11-slim"  # the default base
    assert "USER" in kinds and dict(steps)["USER"] != "root"
    assert kinds.index("USER") < kinds.index("CMD")

    app = tmp_path / "app"
    app.mkdir()
    env: dict[str, str] = {}
    for kind, args in steps:
        if kind == "COPY":
            *sources, _target = shlex.split(args)
            for source in sources:
                path = ROOT / source
                if path.is_dir():
                    shutil.copytree(path, app / source)
                else:
                    shutil.copy2(path, app / source)
        elif kind == "ENV":
            env.update(_env(args))

    # Paths of the image mapped into the temporary folder.
    data, venv = tmp_path / "data", tmp_path / "venv"
    data.mkdir()
    env = {k: v.replace("/opt/venv", str(venv)).replace("/data", str(data)) for k, v in env.items()}
    port = free_port()
    env["TRACKER_WEB__PORT"] = str(port)
    feed = feed_server.route(
        "/feed",
        Reply(200, rss([{"title": "Shelling", "guid": "1"}]), {"Content-Type": "text/xml"}),
    )
    config = tmp_path / "config.toml"  # local feeds only: tests never poll real news sites
    config.write_text(
        '[polling]\ntick_seconds = 1\nallowed_networks = ["127.0.0.1/32"]\n'
        f'[[feeds]]\nurl = "{feed}"\n'
    )
    base_env = {k: v for k, v in os.environ.items() if not k.startswith(("TRACKER_", "VIRTUAL"))}
    run_env = {
        **base_env,
        **env,
        "PATH": f"{venv / 'bin'}:{base_env.get('PATH', '')}",
        "TRACKER_CONFIG": str(config),
        # The image listens on 0.0.0.0, where the read API needs a token (`docker run -e`).
        "TRACKER_WEB__API_TOKENS": '["docker-rehearsal-token-0123"]',
    }

    sync = subprocess.run(
        [UV, "sync", "--frozen", "--no-dev", "--offline"],
        cwd=app,
        env={**run_env, "UV_PROJECT_ENVIRONMENT": str(venv)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    if sync.returncode != 0 and "offline" in sync.stderr.lower():
        pytest.skip(f"uv cache lacks a locked package: {sync.stderr.strip()[-300:]}")
    assert sync.returncode == 0, sync.stderr
    dev_only = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import pytest"], capture_output=True
    )
    assert dev_only.returncode != 0, "dev dependencies leaked into the image's environment"

    cmd = json.loads(dict(steps)["CMD"])
    health = dict(steps)["HEALTHCHECK"].split(" CMD ", 1)[1].replace("8080", str(port))
    proc = subprocess.Popen(
        cmd, cwd=app, env=run_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        deadline = time.monotonic() + 60
        healthy = False
        while time.monotonic() < deadline and proc.poll() is None:
            check = subprocess.run(["sh", "-c", health], env=run_env, capture_output=True)
            if check.returncode == 0:
                healthy = True
                break
            time.sleep(0.5)
        assert healthy, "HEALTHCHECK never passed"
        assert (data / "tracker.db").exists()  # the database lives on the volume
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            output, _ = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            output, _ = proc.communicate()
    assert proc.returncode == 0, output[-2000:]


# -- the image itself, where a container engine runs -------------------------------------------

PODMAN = shutil.which("podman")
# A Debian-based Python 3.11 image to build on. CI makes a local stand-in for
# python:3.11-slim (.ci/container-base) because this machine reaches no container registry.
BASE_IMAGE = os.environ.get("TRACKER_TEST_BASE_IMAGE", "localhost/tracker-base:py311")


def _podman(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    assert PODMAN is not None
    return subprocess.run([PODMAN, *args], capture_output=True, text=True, timeout=timeout)


def _engine_flags() -> tuple[list[str], list[str]]:
    """(global flags, run/build flags) with which podman runs a container here, else skip.

    Plain podman first. In this sandbox crun may not raise RLIMIT_NOFILE and the cgroups
    are a v1/v2 hybrid crun refuses: runc with cgroupfs and the current limits work.
    """
    import resource

    nofile = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    candidates = [
        ([], []),
        (
            ["--runtime", "runc", "--cgroup-manager", "cgroupfs"],
            [f"--ulimit=nofile={nofile}:{nofile}", "--ulimit=nproc=4000:4000"],
        ),
    ]
    errors = []
    for global_flags, limits in candidates:
        probe = _podman(*global_flags, "run", "--rm", *limits, BASE_IMAGE, "true")
        if probe.returncode == 0:
            return global_flags, limits
        errors.append(probe.stderr.strip()[-200:])
    pytest.skip(f"podman cannot run a container here: {errors}")


@pytest.mark.slow
def test_image_builds_runs_as_non_root_and_answers_healthz() -> None:
    if PODMAN is None:
        pytest.skip("no container engine (podman) installed; .ci/container-base installs it")
    if _podman("image", "exists", BASE_IMAGE).returncode != 0:
        pytest.skip(f"base image {BASE_IMAGE} not present; .ci/container-base makes it")
    global_flags, limits = _engine_flags()
    # One tag, kept: the next build reuses its layers (the dependency layer changes only with
    # uv.lock); the image it replaces is pruned.
    tag = "localhost/tracker:ci-test"
    name, volume = f"tracker-test-{os.getpid()}", f"tracker-test-data-{os.getpid()}"
    build = _podman(
        *global_flags,
        "build",
        "--format=docker",  # keeps the HEALTHCHECK (the OCI format drops it)
        "--pull=never",
        f"--build-arg=BASE_IMAGE={BASE_IMAGE}",
        *limits,
        "-t",
        tag,
        str(ROOT),
        timeout=900,
    )
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    port = free_port()
    try:
        started = _podman(
            *global_flags,
            "run",
            "-d",
            "--name",
            name,
            *limits,
            "-p",
            f"127.0.0.1:{port}:8080",
            "-v",
            f"{volume}:/data",
            "-e",
            "TRACKER_FEEDS=[]",  # tests never poll real news sites
            "-e",  # the container listens on 0.0.0.0: the read API needs a token
            'TRACKER_WEB__API_TOKENS=["docker-image-token-0123456789"]',
            tag,
        )
        assert started.returncode == 0, started.stderr
        import httpx

        deadline = time.monotonic() + 120  # a bound on a hang
        healthy = False
        while time.monotonic() < deadline and not healthy:
            try:
                healthy = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).is_success
            except httpx.HTTPError:
                time.sleep(0.5)
        assert healthy, _podman(*global_flags, "logs", name).stdout[-3000:]
        assert httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5).json()["ready"] is True
        check = _podman(*global_flags, "healthcheck", "run", name)
        assert check.returncode == 0, check.stdout + check.stderr  # the image's HEALTHCHECK
        assert _podman(*global_flags, "exec", name, "id", "-u").stdout.strip() == "10001"
        assert "tracker.db" in _podman(*global_flags, "exec", name, "ls", "/data").stdout
        stopped = _podman(*global_flags, "stop", "-t", "30", name)
        assert stopped.returncode == 0, stopped.stderr
        state = _podman(*global_flags, "inspect", name, "--format", "{{.State.ExitCode}}")
        logs = _podman(*global_flags, "logs", name)
        assert state.stdout.strip() == "0", logs.stdout[-3000:] + logs.stderr[-3000:]
        assert "tracker stopped" in logs.stdout + logs.stderr
    finally:
        _podman(*global_flags, "rm", "-f", name)
        _podman(*global_flags, "volume", "rm", "-f", volume)
        _podman(*global_flags, "image", "prune", "-f")
