"""The board's placement logic (client/src/placement.js, untangle.js, tidy.js),
run straight in Node: tests/node/placement.test.mjs holds the cases."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

CASES = Path(__file__).parent / "node" / "placement.test.mjs"


@pytest.mark.node
def test_placement_cases_pass_in_node() -> None:
    result = subprocess.run(
        ["node", "--test", "--test-reporter=tap", str(CASES)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    # Every case ran and none failed; on failure, Node's report says which and why.
    assert result.returncode == 0, result.stdout + result.stderr
    assert "# fail 0" in result.stdout
    assert "# pass 19" in result.stdout, result.stdout
