"""The media plane's own rules (SDP loopback filtering and answer fixes, capabilities, loopback-only
ICE gathering), tested by Node's test runner in infra/local/media/test/*.test.js; this runs
them as part of the suite (peer.test.js needs the media plane's npm packages: `make install`)."""
from __future__ import annotations

import shutil
import subprocess  # nosec B404: runs our own Node tests

from stack_fixture import REPO_ROOT


def test_media_plane_rules_pass_their_node_tests():
    node = shutil.which("node")
    assert node, "Node.js is required (the media plane and the JS tests run on it)"
    tests = REPO_ROOT / "infra" / "local" / "media" / "test"
    result = subprocess.run([node, "--test", str(tests / "sdp.test.js"), str(tests / "peer.test.js")],  # nosec B603
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "# fail 0" in result.stdout and "# pass 6" in result.stdout
