"""The README's set-up command serves the student notebooks in JupyterLab, and the course site builds."""
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests
import yaml

from notebooks import ROOT


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_make_lab_serves_the_chapters():
    port, token = free_port(), secrets.token_hex(16)
    args = f"--no-browser --ip=127.0.0.1 --port={port} --IdentityProvider.token={token}"
    if os.geteuid() == 0:  # CI containers run as root
        args += " --allow-root"
    server = subprocess.Popen(["make", "lab", f"LAB_ARGS={args}"], cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, start_new_session=True)
    base, headers = f"http://127.0.0.1:{port}", {"Authorization": f"token {token}"}
    try:
        deadline = time.time() + 120
        while True:
            assert server.poll() is None, f"make lab exited:\n{server.stdout.read()}"
            try:
                if requests.get(f"{base}/api/status", headers=headers, timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            assert time.time() < deadline, "JupyterLab did not start in 120 s"
            time.sleep(1)
        assert requests.get(f"{base}/lab", headers=headers, timeout=10).status_code == 200
        listing = requests.get(f"{base}/api/contents/00_history", headers=headers, timeout=10).json()
        assert "01_perceptron.ipynb" in {item["name"] for item in listing["content"]}
        notebook = requests.get(f"{base}/api/contents/00_history/01_perceptron.ipynb", headers=headers,
                                timeout=10).json()
        cells = notebook["content"]["cells"]
        assert cells[0]["source"].startswith("# Глава 0.")
        assert any("raise NotImplementedError()" in c["source"] for c in cells), "the served notebook is the student's"
        assert requests.get(f"{base}/api/contents/solutions", headers=headers, timeout=10).status_code == 404
        assert requests.get(f"{base}/api/contents/00_history", timeout=10).status_code == 403  # token required
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)


def test_book_builds_from_chapters_without_warnings(tmp_path):
    result = subprocess.run([str(Path(sys.executable).parent / "jupyter-book"), "build", str(ROOT),
                             "--path-output", str(tmp_path)], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in result.stdout + result.stderr, result.stdout + result.stderr
    html = tmp_path / "_build" / "html"
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    for part in toc["parts"]:
        for entry in part["chapters"]:
            assert (html / f"{entry['file']}.html").exists(), entry["file"]
    assert not list(html.rglob("solutions*")), "the site must not publish solutions/"
