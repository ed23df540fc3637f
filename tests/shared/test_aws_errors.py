"""Reading AWS failures one way: codes, throttling, and the domain error each failure means."""
import subprocess
import sys

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError

from telehealth_shared import aws_errors
from telehealth_shared.aws_errors import (domain_error_for, error_code, error_message, http_status, is_aws_failure,
                                          is_bad_request, is_condition_failed, is_not_found, is_throttling, translate)
from telehealth_shared.errors import Conflict, NotFound, TooManyRequests, Unavailable, ValidationFailed


def client_error(code, message="m", status=400):
    return ClientError({"Error": {"Code": code, "Message": message},
                        "ResponseMetadata": {"HTTPStatusCode": status}}, "AnyOperation")


def test_code_message_and_status_are_read_from_a_client_error_only():
    exc = client_error("ConditionalCheckFailedException", "The conditional request failed", 400)
    assert error_code(exc) == "ConditionalCheckFailedException" and is_condition_failed(exc)
    assert error_message(exc) == "The conditional request failed" and http_status(exc) == 400
    other = ValueError("ConditionalCheckFailedException")
    assert error_code(other) is None and error_message(other) == "" and http_status(other) == 0
    assert not is_condition_failed(other)


@pytest.mark.parametrize("code", ["ThrottlingException", "TooManyRequestsException", "LimitExceededException",
                                  "ProvisionedThroughputExceededException", "ThrottledClientException", "SlowDown"])
def test_throttling_codes_of_every_service_become_the_429(code):
    exc = client_error(code, status=429)
    assert is_throttling(exc)
    error = translate(exc)
    assert isinstance(error, TooManyRequests) and error.status == 429
    assert domain_error_for(exc).status == 429


def test_other_aws_failures_become_the_503_and_nothing_else_is_an_aws_failure():
    for exc in (client_error("InternalServerError", status=500), client_error("ForbiddenException", status=403),
                EndpointConnectionError(endpoint_url="http://127.0.0.1:1"),
                ReadTimeoutError(endpoint_url="http://127.0.0.1:1")):
        assert is_aws_failure(exc) and not is_throttling(exc)
        error = domain_error_for(exc)
        assert isinstance(error, Unavailable) and error.status == 503
    assert not is_aws_failure(RuntimeError("boom")) and domain_error_for(RuntimeError("boom")) is None
    assert domain_error_for(Conflict("taken")).status == 409


def test_a_callers_meaning_of_a_code_wins_over_the_503_but_not_over_throttling():
    gone = Conflict("The patient's account no longer exists.")
    assert translate(client_error("UserNotFoundException"), {"UserNotFoundException": gone}) is gone
    assert isinstance(translate(client_error("ThrottlingException"), {"ThrottlingException": gone}), TooManyRequests)
    refused = dict.fromkeys(aws_errors.BAD_REQUEST_CODES, ValidationFailed("no"))
    assert translate(client_error("BadRequest"), refused).status == 400
    assert translate(client_error("BadRequestException"), refused).status == 400
    assert translate(client_error("BadRequestException")).status == 503
    assert translate(client_error("Throttling"), throttled="Slow down.").message == "Slow down."


def test_both_spellings_of_not_found_and_bad_request_count():
    # botocore reports the x-amzn-ErrorType header's name when present, else the body's Code.
    for code in ("NotFoundException", "NotFound", "ResourceNotFoundException"):
        assert is_not_found(client_error(code, status=404))
    for code in ("BadRequestException", "BadRequest"):
        assert is_bad_request(client_error(code))
    assert not is_not_found(client_error("BadRequestException")) and not is_not_found(NotFound())


def test_edge_and_openapi_import_each_other_nowhere():
    # The route table's types live in route_doc, which both import; neither may reach the other
    # by an import tucked inside a function.
    import ast
    import inspect

    from telehealth_shared import edge, openapi

    def imported(module):
        names = set()
        for node in ast.walk(ast.parse(inspect.getsource(module))):
            if isinstance(node, ast.ImportFrom):
                names.add(node.module)
            elif isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
        return names

    assert "edge" not in imported(openapi) and "telehealth_shared.edge" not in imported(openapi)
    assert "route_doc" in imported(openapi) and {"openapi", "route_doc"} <= imported(edge)
    for first in ("openapi", "route_doc", "edge"):
        subprocess.run([sys.executable, "-c", f"import telehealth_shared.{first}, telehealth_shared.edge"], check=True)


def test_the_item_a_failed_condition_handed_back_is_read_from_the_error():
    item = {"appointment_id": {"S": "a1"}, "version": {"N": "3"}}
    with_item = ClientError({"Error": {"Code": "ConditionalCheckFailedException", "Message": "failed"}, "Item": item},
                            "UpdateItem")
    assert aws_errors.condition_failed_item(with_item) == item
    assert aws_errors.condition_failed_item(client_error("ConditionalCheckFailedException")) is None
    assert aws_errors.condition_failed_item(RuntimeError("x")) is None
