"""The reader's pure JavaScript functions under Node's own test runner (``tests/js/*.test.mjs``).

Node runs the ES modules the browser runs (``static/js/frontline/``), unbundled. Under
``CI=true`` a missing ``node`` fails; elsewhere the test skips and says how to get it.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from tests.conftest import ROOT


def test_the_pure_functions_pass_under_nodes_test_runner():
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI") == "true":
            pytest.fail("node is not installed: .ci/run installs Debian's nodejs")
        pytest.skip("node is not installed (apt-get install nodejs) to run tests/js/*.test.mjs")
    files = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "tests" / "js").glob("*.test.mjs"))
    assert files, "no JavaScript test files found"
    result = subprocess.run(
        [node, "--test", *files], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "# fail 0" in result.stdout and "# pass 0" not in result.stdout
