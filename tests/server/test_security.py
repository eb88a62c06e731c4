"""Every route: Jupyter authentication, the XSRF check, and paths confined to the server root."""

from __future__ import annotations

import json
import os

import pytest
from tornado.httpclient import HTTPClientError

ROUTE = ("notebook-ops", "api", "pipelines")


async def status_of(jp_fetch, body, **kw):
    try:
        reply = await jp_fetch(*ROUTE, method="POST", body=json.dumps(body), **kw)
    except HTTPClientError as err:
        return err.code, (json.loads(err.response.body) if err.response and err.response.body else {})
    return reply.code, json.loads(reply.body)


async def test_no_token_is_403(jp_fetch, notebook_file):
    code, _ = await status_of(jp_fetch, {"path": "two.ipynb"}, headers={"Authorization": ""})
    assert code == 403


async def test_wrong_token_is_403(jp_fetch, notebook_file):
    code, _ = await status_of(
        jp_fetch, {"path": "two.ipynb"}, headers={"Authorization": "token not-the-token"}
    )
    assert code == 403


async def test_cookie_session_without_xsrf_is_refused(jp_fetch, jp_serverapp, notebook_file):
    """A browser session (login cookie) must send the _xsrf token; a forged form post has none."""
    token = jp_serverapp.identity_provider.token
    login = await jp_fetch(
        "login",
        method="POST",
        body=f"password={token}",
        headers={"Authorization": "", "Cookie": "_xsrf=abc"},
        params={"_xsrf": "abc"},
        follow_redirects=False,
        raise_error=False,
    )
    cookies = [c.split(";")[0] for c in login.headers.get_list("Set-Cookie")]
    login_cookie = [c for c in cookies if c.startswith("username-")]
    assert login_cookie, (login.code, cookies)
    cookie = "; ".join(login_cookie)
    code, body = await status_of(
        jp_fetch, {"path": "two.ipynb"}, headers={"Authorization": "", "Cookie": cookie}
    )
    assert code == 403
    assert "xsrf" in body["message"].lower()
    # the same session with the XSRF cookie and header passes
    reply = await jp_fetch(
        *ROUTE,
        method="POST",
        body=json.dumps({"path": "two.ipynb"}),
        headers={"Authorization": "", "Cookie": cookie + "; _xsrf=tok", "X-XSRFToken": "tok"},
    )
    assert reply.code == 200


@pytest.mark.parametrize("path", ["../outside.ipynb", "sub/../../outside.ipynb", "..", "a/../../x.ipynb"])
async def test_dot_dot_is_refused(jp_fetch, notebook_file, path):
    code, body = await status_of(jp_fetch, {"path": path})
    assert code == 403, body
    assert body["message"]


@pytest.mark.parametrize("path", ["/etc/passwd", "/tmp/x.ipynb", "C:/Windows/x.ipynb"])
async def test_absolute_paths_are_refused(jp_fetch, notebook_file, path):
    code, body = await status_of(jp_fetch, {"path": path})
    assert code == 400, body
    assert "absolute" in body["message"]


async def test_symlink_out_of_the_root_is_refused(jp_fetch, jp_root_dir, tmp_path_factory, notebook_file):
    outside = tmp_path_factory.mktemp("outside") / "secret.ipynb"
    outside.write_text(notebook_file.read_text())
    os.symlink(outside, jp_root_dir / "link.ipynb")
    code, body = await status_of(jp_fetch, {"path": "link.ipynb"})
    assert code == 403
    assert "outside" in body["message"]
    (jp_root_dir / "linkdir").symlink_to(outside.parent, target_is_directory=True)
    assert (await status_of(jp_fetch, {"path": "linkdir/secret.ipynb"}))[0] == 403


async def test_symlink_inside_the_root_is_fine(jp_fetch, jp_root_dir, notebook_file):
    (jp_root_dir / "sub").mkdir()
    os.symlink(notebook_file, jp_root_dir / "sub" / "alias.ipynb")
    code, body = await status_of(jp_fetch, {"path": "sub/alias.ipynb"})
    assert code == 200, body


# Every route of the API, with a request that would succeed with the token.
ROUTES = [
    ("GET", ("notebook-ops", "api"), None, {}),
    ("POST", ("notebook-ops", "api", "pipelines"), {"path": "two.ipynb"}, {}),
    ("POST", ("notebook-ops", "api", "stale-steps"), {"path": "two.ipynb"}, {}),
    ("GET", ("notebook-ops", "api", "folders"), None, {"path": "."}),
    ("POST", ("notebook-ops", "api", "pipeline-files"), {"path": "."}, {}),
    ("GET", ("notebook-ops", "api", "runs"), None, {"path": "two.ipynb"}),
    ("POST", ("notebook-ops", "api", "runs"), {"path": "two.ipynb", "track": False}, {}),
    ("GET", ("notebook-ops", "api", "runs", "20260101-000000-abcdef"), None, {"path": "two.ipynb"}),
    ("DELETE", ("notebook-ops", "api", "runs", "20260101-000000-abcdef"), None, {"path": "two.ipynb"}),
    (
        "GET",
        ("notebook-ops", "api", "runs", "20260101-000000-abcdef", "steps", "load"),
        None,
        {"path": "two.ipynb"},
    ),
    (
        "GET",
        ("notebook-ops", "api", "runs", "20260101-000000-abcdef", "comparisons", "20260101-000000-fedcba"),
        None,
        {"path": "two.ipynb"},
    ),
    ("POST", ("notebook-ops", "api", "exports"), {"path": "two.ipynb", "allow_dirty": True}, {}),
    ("POST", ("notebook-ops", "api", "exports"), {"path": "two.ipynb", "prove": True}, {}),
    ("GET", ("notebook-ops", "api", "proofs"), None, {"path": "two.ipynb"}),
    ("GET", ("notebook-ops", "api", "proofs", "0123456789ab"), None, {}),
    ("GET", ("notebook-ops", "api", "schedules"), None, {"path": "two.ipynb"}),
    ("POST", ("notebook-ops", "api", "schedules"), {"path": "two.ipynb", "cron": "0 6 * * *"}, {}),
    ("GET", ("notebook-ops", "api", "schedules", "two"), None, {}),
    ("PATCH", ("notebook-ops", "api", "schedules", "two"), {"paused": True}, {}),
    ("DELETE", ("notebook-ops", "api", "schedules", "two"), None, {}),
    ("POST", ("notebook-ops", "api", "schedules", "two", "runs"), {}, {}),
    ("GET", ("notebook-ops", "api", "scheduler"), None, {}),
    ("PUT", ("notebook-ops", "api", "scheduler"), {"hosted": True}, {}),
    ("GET", ("notebook-ops", "api", "remote-runs"), None, {}),
    ("POST", ("notebook-ops", "api", "alert-checks"), {"alerts": [{"to": "mailto:ops@example.com"}]}, {}),
    ("POST", ("notebook-ops", "api", "alert-tests"), {"to": "http://127.0.0.1:9/never"}, {}),
    (
        "POST",
        ("notebook-ops", "api", "elyra-edits"),
        {"path": "p.pipeline", "op": "add-node", "file": "two.ipynb"},
        {},
    ),
    ("GET", ("notebook-ops", "api", "models"), None, {"path": "two.ipynb"}),
    (
        "POST",
        ("notebook-ops", "api", "models", "clf", "promote"),
        {"path": "two.ipynb", "alias": "champion"},
        {},
    ),
    ("GET", ("notebook-ops", "api", "openapi.json"), None, {}),
]


def test_the_list_covers_every_route_of_the_route_table():
    """A route added to the table (model/contracts/route_table.py) must be added above."""
    import re

    from notebook_ops.model.contracts.route_table import ROUTES as TABLE

    listed = {(method.lower(), "/" + "/".join(parts[2:])) for method, parts, _, _ in ROUTES}
    for route in TABLE:
        for method in route.methods:
            pattern = re.compile(route.pattern().replace("/?", "/"))
            assert any(m == method and pattern.fullmatch(path) for m, path in listed), (method, route.path)


@pytest.mark.parametrize("method,parts,body,params", ROUTES, ids=lambda v: v if isinstance(v, str) else None)
async def test_every_route_needs_authentication(jp_fetch, notebook_file, method, parts, body, params):
    kw = {"method": method, "params": params, "headers": {"Authorization": ""}}
    if body is not None:
        kw["body"] = json.dumps(body)
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch(*parts, **kw)
    assert info.value.code == 403
    assert not (notebook_file.parent / ".notebook_ops").exists()  # nothing ran
    assert not (notebook_file.parent / "dist").exists()  # nothing exported
    assert not (notebook_file.parent / "pipeline.yaml").exists()  # no pipeline file written
    from notebook_ops.scheduler import hosted

    assert hosted.current() is None  # no scheduler started


@pytest.mark.parametrize(
    "method,parts,body,params",
    [r for r in ROUTES if r[0] != "GET"],
    ids=lambda v: v if isinstance(v, str) else None,
)
async def test_every_writing_route_checks_xsrf(
    jp_fetch, jp_serverapp, notebook_file, method, parts, body, params
):
    token = jp_serverapp.identity_provider.token
    login = await jp_fetch(
        "login",
        method="POST",
        body=f"password={token}",
        headers={"Authorization": "", "Cookie": "_xsrf=abc"},
        params={"_xsrf": "abc"},
        follow_redirects=False,
        raise_error=False,
    )
    cookie = "; ".join(
        c.split(";")[0] for c in login.headers.get_list("Set-Cookie") if c.startswith("username-")
    )
    kw = {"method": method, "params": params, "headers": {"Authorization": "", "Cookie": cookie}}
    if body is not None:
        kw["body"] = json.dumps(body)
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch(*parts, **kw)
    assert info.value.code == 403
    assert "xsrf" in json.loads(info.value.response.body)["message"].lower()


@pytest.mark.parametrize("route", ["runs", "proofs"])
@pytest.mark.parametrize("params", [{"path": "../two.ipynb"}, {"path": "/etc/passwd"}, {}])
async def test_run_routes_confine_paths(jp_fetch, notebook_file, params, route):
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch("notebook-ops", "api", route, method="GET", params=params)
    assert info.value.code in (400, 403)
