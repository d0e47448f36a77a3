"""JupyterLab started through the README's commands (`make lab`, `make formgrader`), for the tests that use it."""
from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import time
from contextlib import contextmanager

import requests

from notebooks import ROOT


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def lab_server(target: str = "lab", **make_variables: str):
    """Runs `make TARGET` on a free port with a random token; yields (base URL, token) once the server answers."""
    port, token = free_port(), secrets.token_hex(16)
    args = f"--no-browser --ip=127.0.0.1 --port={port} --IdentityProvider.token={token}"
    if os.geteuid() == 0:  # CI containers run as root
        args += " --allow-root"
    variables = [f"{name}={value}" for name, value in make_variables.items()]
    env = {name: value for name, value in os.environ.items() if name != "MPLBACKEND"}  # kernels draw inline
    server = subprocess.Popen(["make", target, f"LAB_ARGS={args}", *variables], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 120
        while True:
            assert server.poll() is None, f"make {target} exited:\n{server.stdout.read()}"
            try:
                if requests.get(f"{base}/api/status", headers={"Authorization": f"token {token}"}, timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            assert time.time() < deadline, f"make {target}: JupyterLab did not start in 120 s"
            time.sleep(1)
        yield base, token
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
