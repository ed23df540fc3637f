"""Fuzzes the identity service on the local stack from its OpenAPI document: no 5xx, nothing undocumented."""
import pytest

from fuzz_schemas import FUZZ_SETTINGS, load_schema

pytestmark = pytest.mark.timeout(300)

coverage = load_schema("identity", "coverage")
fuzzing = load_schema("identity", "fuzzing")


@coverage.parametrize()
@FUZZ_SETTINGS
def test_identity_boundaries_and_probes(case, runner):
    runner.run("identity", case)


@fuzzing.parametrize()
@FUZZ_SETTINGS
def test_identity_fuzzed_requests(case, runner):
    runner.run("identity", case)
