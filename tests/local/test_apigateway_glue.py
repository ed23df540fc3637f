"""API Gateway glue: a Swagger 2.0 API as Chalice imports it, and its stage URL on the endpoint
matched to resources and methods as API Gateway matches them, with the Lambda proxy event going
to the function and its proxy response coming back (the function here answers with what it got)."""
from __future__ import annotations

import io
import json
import threading
import zipfile
from typing import Any, Iterator

import boto3
import pytest
import requests
from botocore.config import Config

from telehealth_local.glue.apigateway import ApiGatewayGlue
from telehealth_local.lambdas import LambdaInvocationError
from telehealth_local.moto.app import make_moto_app

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"


class EchoFunction:
    """Stands in for the Lambda workers: answers with the event it was given."""

    def invoke(self, function: str, event: dict[str, Any], timeout: float | None = None) -> Any:
        if event["path"].endswith("/fail"):
            raise LambdaInvocationError(function, "ValueError", "boom")
        if event["path"].endswith("/not-proxy"):
            return {"hello": "world"}
        return {"statusCode": 201, "headers": {"X-Function": function.rsplit(":", 1)[1]},
                "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]}, "body": json.dumps(event)}


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    from werkzeug.serving import WSGIRequestHandler, make_server

    class Quiet(WSGIRequestHandler):
        def log_request(self, *args: Any, **kwargs: Any) -> None:
            """No access log in test output."""

    moto = make_moto_app()
    glue = ApiGatewayGlue(moto, EchoFunction())

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        return (glue if glue.handles(environ) else moto)(environ, start_response)

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


def _client(endpoint: str, service: str) -> Any:
    return boto3.client(service, endpoint_url=endpoint, region_name=REGION, aws_access_key_id="testing",
                        aws_secret_access_key="testing", config=Config(retries={"max_attempts": 1}))


def _integration(function_arn: str) -> dict[str, Any]:
    return {"type": "aws_proxy", "httpMethod": "POST", "passthroughBehavior": "when_no_match",
            "uri": f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{function_arn}/invocations"}


def _swagger(function_arn: str, title: str) -> dict[str, Any]:
    """What Chalice sends (Swagger 2.0, no info.description, a MOCK preflight without uri)."""
    proxy = {"responses": {"200": {"description": "200 response"}},
             "x-amazon-apigateway-integration": _integration(function_arn)}
    return {
        "swagger": "2.0", "info": {"version": "1.0", "title": title}, "schemes": ["https"],
        "paths": {
            "/items/{item_id}": {"get": proxy, "post": proxy, "options": {
                "responses": {"200": {"description": "200 response"}},
                "x-amazon-apigateway-integration": {
                    "type": "mock", "requestTemplates": {"application/json": '{"statusCode": 200}'},
                    "responses": {"default": {"statusCode": "200", "responseParameters": {
                        "method.response.header.Access-Control-Allow-Origin": "'*'"}}}}}},
            "/items/special": {"get": proxy},
            "/fail": {"get": proxy},
            "/not-proxy": {"get": proxy},
        },
    }


@pytest.fixture(scope="module")
def api(endpoint: str) -> dict[str, str]:
    iam, lam, apigw = (_client(endpoint, s) for s in ("iam", "lambda", "apigateway"))
    role = iam.create_role(RoleName="glue-test", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                "Principal": {"Service": "lambda.amazonaws.com"}}]}))["Role"]["Arn"]
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("app.py", "app = None\n")
    arns = {}
    for name in ("glue-allowed", "glue-not-allowed"):
        arns[name] = lam.create_function(FunctionName=name, Runtime="python3.11", Role=role, Handler="app.app",
                                         Code={"ZipFile": archive.getvalue()})["FunctionArn"]
    allowed = apigw.import_rest_api(body=json.dumps(_swagger(arns["glue-allowed"], "allowed")))["id"]
    apigw.create_deployment(restApiId=allowed, stageName="api")
    lam.add_permission(FunctionName="glue-allowed", StatementId="apigw", Action="lambda:InvokeFunction",
                       Principal="apigateway.amazonaws.com",
                       SourceArn=f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{allowed}/*")
    refused = apigw.import_rest_api(body=json.dumps(_swagger(arns["glue-not-allowed"], "refused")))["id"]
    apigw.create_deployment(restApiId=refused, stageName="api")
    return {"allowed": f"{endpoint}/restapis/{allowed}/api/_user_request_",
            "refused": f"{endpoint}/restapis/{refused}/api/_user_request_", "id": allowed, "endpoint": endpoint}


def test_the_swagger_document_becomes_resources_methods_and_integrations(api: dict[str, str]) -> None:
    resources = _client(api["endpoint"], "apigateway").get_resources(restApiId=api["id"], embed=["methods"])["items"]
    by_path = {r["path"]: r for r in resources}
    assert {"/items/{item_id}", "/items/special", "/fail"} <= set(by_path)
    methods = by_path["/items/{item_id}"]["resourceMethods"]
    assert set(methods) == {"GET", "POST", "OPTIONS"}
    assert methods["GET"]["methodIntegration"]["type"] == "aws_proxy"
    assert methods["GET"]["methodIntegration"]["uri"].endswith(":function:glue-allowed/invocations")


def test_a_request_becomes_the_proxy_event_and_the_response_comes_back(api: dict[str, str]) -> None:
    response = requests.post(f"{api['allowed']}/items/a%20b%2Fc?x=1&x=2&y=", json={"k": "v"},
                             headers={"Authorization": "Bearer t"}, timeout=10)
    assert response.status_code == 201
    assert response.headers["X-Function"] == "glue-allowed"
    assert response.headers["Set-Cookie"] == "a=1, b=2"
    event = response.json()
    assert (event["resource"], event["path"], event["httpMethod"]) == ("/items/{item_id}", "/items/a b/c", "POST")
    assert event["pathParameters"] == {"item_id": "a b/c"}
    assert event["multiValueQueryStringParameters"] == {"x": ["1", "2"], "y": [""]}
    assert event["queryStringParameters"] == {"x": "2", "y": ""}
    assert event["headers"]["Authorization"] == "Bearer t"
    assert json.loads(event["body"]) == {"k": "v"} and event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert (context["stage"], context["apiId"], context["resourcePath"]) == ("api", api["id"], "/items/{item_id}")
    assert context["identity"]["sourceIp"] == "127.0.0.1"


def test_literal_segments_win_over_parameters(api: dict[str, str]) -> None:
    assert requests.get(f"{api['allowed']}/items/special", timeout=10).json()["resource"] == "/items/special"
    assert requests.get(f"{api['allowed']}/items/other", timeout=10).json()["resource"] == "/items/{item_id}"


def test_what_api_gateway_refuses_is_refused(api: dict[str, str]) -> None:
    for url, method in ((f"{api['allowed']}/nothing-here", "GET"), (f"{api['allowed']}/items", "GET"),
                        (f"{api['allowed']}/items/special", "DELETE")):
        response = requests.request(method, url, timeout=10)
        assert (response.status_code, response.json()) == (403, {"message": "Missing Authentication Token"}), url
    unknown_stage = api["allowed"].replace("/api/", "/nostage/")
    assert requests.get(f"{unknown_stage}/items/x", timeout=10).status_code == 403
    # The function's policy does not let this API invoke it.
    refused = requests.get(f"{api['refused']}/items/x", timeout=10)
    assert (refused.status_code, refused.json()) == (500, {"message": "Internal server error"})


def test_function_errors_and_non_proxy_answers_are_502(api: dict[str, str]) -> None:
    for path in ("/fail", "/not-proxy"):
        response = requests.get(f"{api['allowed']}{path}", timeout=10)
        assert (response.status_code, response.json()) == (502, {"message": "Internal server error"}), path


def test_the_cors_preflight_answers_the_mock_integration(api: dict[str, str]) -> None:
    response = requests.options(f"{api['allowed']}/items/x", timeout=10)
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
