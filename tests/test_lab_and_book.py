"""The README's commands serve the course in JupyterLab (`make lab` for students, `make formgrader` for
instructors)."""
import requests

from lab_server import lab_server


def test_make_lab_serves_the_chapters_with_validate_only():
    with lab_server() as (base, token):
        headers = {"Authorization": f"token {token}"}
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
        # nbgrader's instructor tools are off for students (they only error without an exchange directory)
        for url in ("formgrader", "assignments", "courses"):
            assert requests.get(f"{base}/{url}", headers=headers, timeout=10).status_code == 404, url
        page_config = requests.get(f"{base}/lab", headers=headers, timeout=10).text
        assert "@jupyter/nbgrader:create-assignment" in page_config  # listed among the disabled extensions


def test_make_formgrader_serves_the_course_root_with_working_links():
    with lab_server(target="formgrader") as (base, token):
        headers = {"Authorization": f"token {token}"}
        assert requests.get(f"{base}/formgrader", headers=headers, timeout=30).status_code == 200
        assignment = requests.get(f"{base}/formgrader/api/assignments", headers=headers, timeout=60).json()
        names = {a["name"] for a in assignment}
        assert "00_history" in names, names
        # the formgrader links a source notebook as /tree/solutions/...: it must exist under this server's root
        listing = requests.get(f"{base}/api/contents/solutions/00_history", headers=headers, timeout=10)
        assert listing.status_code == 200 and any(i["name"] == "01_perceptron.ipynb" for i in listing.json()["content"])
