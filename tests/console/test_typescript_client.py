"""The typed TypeScript client (clients/typescript): its generated part matches docs/api/*.json,
it type-checks, and its own Node tests (node --test) pass against a running local stack."""
from __future__ import annotations

import pytest

from node_tools import CLIENT_DIR, NODE, NPM, npm_ci, run_node

pytestmark = pytest.mark.timeout(600)


@pytest.fixture(scope="module", autouse=True)
def installed() -> None:
    npm_ci(CLIENT_DIR)


def test_generated_client_matches_the_openapi_documents():
    result = run_node([NODE, "scripts/generate.mjs", "--check"], CLIENT_DIR)
    assert result.returncode == 0, result.stderr + result.stdout


def test_client_type_checks():
    result = run_node([NPM, "run", "-s", "typecheck"], CLIENT_DIR)
    assert result.returncode == 0, result.stdout + result.stderr


def test_node_tests_against_the_local_stack(stack_file):
    result = run_node([NPM, "test", "-s"], CLIENT_DIR, env={"TELEHEALTH_TEST_STACK": str(stack_file)})
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    assert "# fail 0" in result.stdout
