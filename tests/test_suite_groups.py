"""The suite's own plumbing: under `--dist loadgroup` each test carries its group in its node id, so that
pytest-xdist keeps a file's tests (or one chapter's notebook runs) on one worker and runs its costly module
fixtures once. If a pytest or xdist upgrade drops the group, the suite still passes but runs its notebooks and
nbgrader courses several times over; this test says so instead."""
import os

import pytest


@pytest.mark.skipif(os.environ.get("PYTEST_XDIST_WORKER") is None, reason="not under xdist: no groups needed")
def test_this_test_runs_in_its_group(request):
    if request.config.getvalue("loadgroup"):  # set on the workers by xdist for `--dist loadgroup`
        assert request.node.nodeid.endswith("@test_suite_groups"), request.node.nodeid
