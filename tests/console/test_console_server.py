"""The console's static server: the built files with a strict CSP, /config.json, the single-page
fallback, and nothing outside the build directory."""
from __future__ import annotations

import http.client
import threading
from http.server import ThreadingHTTPServer

import pytest

from telehealth_local.processes.console_server import content_security_policy, make_handler


@pytest.fixture
def server(tmp_path):
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><title>console</title>")
    (dist / "assets" / "app-1234.js").write_text("console.log(1)")
    (tmp_path / "secret.txt").write_text("outside")
    services = {"identity": "http://127.0.0.1:8001"}
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(dist, {"services": services},
                                                              content_security_policy(services, "ws://127.0.0.1:4567")))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


def _get(port, path):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    connection.request("GET", path)
    response = connection.getresponse()
    return response.status, dict(response.getheaders()), response.read()


def test_files_config_and_fallback_carry_the_policy(server):
    status, headers, body = _get(server, "/")
    assert status == 200 and b"console" in body
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self';" in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert "http://127.0.0.1:8001" in csp and "ws://127.0.0.1:4567" in csp
    assert headers["X-Content-Type-Options"] == "nosniff" and headers["Referrer-Policy"] == "no-referrer"
    status, headers, body = _get(server, "/assets/app-1234.js")
    assert status == 200 and "javascript" in headers["Content-Type"] and "immutable" in headers["Cache-Control"]
    status, _, body = _get(server, "/config.json")
    assert status == 200 and b'"identity": "http://127.0.0.1:8001"' in body
    status, _, body = _get(server, "/some/page")
    assert status == 200 and b"console" in body


@pytest.mark.parametrize("path", ["/../secret.txt", "/assets/../../secret.txt", "/%2e%2e/secret.txt", "/missing.js"])
def test_nothing_outside_the_build_is_served(server, path):
    status, _, body = _get(server, path)
    assert status == 404 and b"outside" not in body
