"""Fuzzes the scheduling service on the local stack from its OpenAPI document: no 5xx, nothing undocumented."""
import pytest

from fuzz_schemas import FUZZ_SETTINGS, load_schema

pytestmark = pytest.mark.timeout(300)

coverage = load_schema("scheduling", "coverage")
fuzzing = load_schema("scheduling", "fuzzing")


@coverage.parametrize()
@FUZZ_SETTINGS
def test_scheduling_boundaries_and_probes(case, runner):
    runner.run("scheduling", case)


@fuzzing.parametrize()
@FUZZ_SETTINGS
def test_scheduling_fuzzed_requests(case, runner):
    runner.run("scheduling", case)
