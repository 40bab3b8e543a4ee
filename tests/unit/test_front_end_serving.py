"""The local platform serves the built front ends beside the APIs: pages with their security headers, hashed assets
cached for good, any path below a front end answered by its page (the router's), nothing outside ``dist``."""

from __future__ import annotations

import json

from werkzeug.test import Client
from werkzeug.wrappers import Response

from hpf.local.web import FrontEnds


def api(environ, start_response):
    return Response(json.dumps({"api": environ["PATH_INFO"]}), mimetype="application/json")(environ, start_response)


def built(tmp_path):
    (tmp_path / "console").mkdir()
    (tmp_path / "console" / "index.html").write_text("<!doctype html><title>console</title>", encoding="utf-8")
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "console-abc123.js").write_text("console.log(1)", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("no", encoding="utf-8")
    return tmp_path


def test_pages_assets_and_the_api_share_one_port(tmp_path):
    client = Client(FrontEnds(api, "http://127.0.0.1:9999", built(tmp_path)))
    page = client.get("/console/units")  # a route of the page's router
    assert page.status_code == 200 and "<title>console</title>" in page.text
    assert page.headers["Cache-Control"] == "no-cache"
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "connect-src 'self' http://127.0.0.1:9999" in policy
    assert "frame-src 'none'" in policy  # no storage configured: no frame loads anything
    framed = Client(FrontEnds(api, "http://127.0.0.1:9999", tmp_path, storage_url="http://127.0.0.1:4566"))
    assert "frame-src http://127.0.0.1:4566;" in framed.get("/console/").headers["Content-Security-Policy"]
    asset = client.get("/assets/console-abc123.js")
    assert asset.status_code == 200 and "immutable" in asset.headers["Cache-Control"]
    assert asset.headers["Content-Type"].startswith("text/javascript")
    assert client.get("/assets/missing.js").status_code == 404
    assert client.get("/console").headers["Location"].endswith("/console/")
    assert client.get("/ledger/units").json == {"api": "/ledger/units"}  # everything else is the API's
    assert client.post("/console/x").json == {"api": "/console/x"}
    config = client.get("/web-config.json").json
    assert config["identity"] == "http://127.0.0.1:9999" and config["clients"]["console"] == "hpf-console"


def test_nothing_outside_the_build_and_a_clear_answer_before_it_exists(tmp_path):
    client = Client(FrontEnds(api, "http://x", built(tmp_path)))
    for path in ("/assets/../secret.txt", "/console/%2e%2e/secret.txt", "/assets/%2e%2e/secret.txt"):
        assert client.get(path).data != b"no", path
    missing = Client(FrontEnds(api, "http://x", tmp_path / "not-built")).get("/app/")
    assert missing.status_code == 503 and "scripts/setup" in missing.text
