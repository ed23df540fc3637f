"""Fuzzes the calling service on the local stack from its OpenAPI document: no 5xx, nothing undocumented."""
import pytest

from fuzz_schemas import FUZZ_SETTINGS, load_schema

pytestmark = pytest.mark.timeout(300)

coverage = load_schema("calling", "coverage")
fuzzing = load_schema("calling", "fuzzing")


@coverage.parametrize()
@FUZZ_SETTINGS
def test_calling_boundaries_and_probes(case, runner):
    runner.run("calling", case)


@fuzzing.parametrize()
@FUZZ_SETTINGS
def test_calling_fuzzed_requests(case, runner):
    runner.run("calling", case)
