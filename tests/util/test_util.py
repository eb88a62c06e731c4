"""The shared low-level helpers: one webhook client (signed), atomic writes, backoff, templates."""

import sys
import subprocess
import hashlib
import hmac
import json
import os
import stat
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from notebook_ops.util import atomic, backoff, placeholders as templates, webhook_client as webhook


class _Hook(BaseHTTPRequestHandler):
    got: list = []
    status = 204

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Hook.got.append((dict(self.headers), body))
        self.send_response(_Hook.status)
        self.end_headers()

    def log_message(self, *a):
        pass


@pytest.fixture
def hook():
    _Hook.got, _Hook.status = [], 204
    srv = HTTPServer(("127.0.0.1", 0), _Hook)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_port}/x"
    srv.shutdown()


def test_webhook_signs_with_the_secret_and_classifies_refusals(hook, monkeypatch):
    monkeypatch.setenv(webhook.SECRET_ENV, "s3cret")
    assert webhook.post(hook, {"b": 1, "a": [2]}, timeout=5, headers={"X-Extra": "1"}) == 204
    headers, body = _Hook.got[-1]
    assert json.loads(body) == {"a": [2], "b": 1} and headers["X-Extra"] == "1"
    mac = hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert headers["X-Notebook-Ops-Signature"] == f"sha256={mac}"
    monkeypatch.delenv(webhook.SECRET_ENV)
    webhook.post(hook, {}, timeout=5)
    assert "X-Notebook-Ops-Signature" not in _Hook.got[-1][0]
    for status, retryable in ((404, False), (429, True), (503, True)):
        _Hook.status = status
        with pytest.raises(webhook.WebhookError, match=str(status)) as err:
            webhook.post(hook, {}, timeout=5)
        assert err.value.retryable is retryable
    with pytest.raises(webhook.WebhookError) as err:
        webhook.post("http://127.0.0.1:9/nothing-listens", {}, timeout=2)
    assert err.value.retryable


def test_atomic_write_keeps_an_existing_mode_and_leaves_no_temp_file(tmp_path):
    f = tmp_path / "sub" / "a.json"
    atomic.write_json(f, {"x": 1})
    assert json.loads(f.read_text()) == {"x": 1}
    os.chmod(f, 0o640)
    atomic.write_text(f, "two\r\n")
    assert f.read_bytes() == b"two\r\n" and stat.S_IMODE(f.stat().st_mode) == 0o640
    atomic.write_bytes(tmp_path / "secret", b"s", mode=0o600)
    assert stat.S_IMODE((tmp_path / "secret").stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["a.json", "secret", "sub"]


def test_backoff_doubles_up_to_the_cap():
    assert [backoff.delay(n, 30.0) for n in (1, 2, 3)] == [30.0, 60.0, 120.0]
    assert [backoff.delay(n, 1.0, 5.0) for n in range(1, 6)] == [1.0, 2.0, 4.0, 5.0, 5.0]


def test_templates_keep_a_lone_placeholders_type_and_never_evaluate():
    ctx = {"message": {"n": 3, "deep": {"l": [5, 6]}}, "day": "2026-01-02"}
    assert templates.render("{{ message.n }}", ctx) == 3
    assert templates.render("d={{day}} l={{ message.deep.l }}", ctx) == "d=2026-01-02 l=[5, 6]"
    assert templates.render("{{ message.deep.l.1 }}", ctx) == 6
    assert templates.render("{ day } {{ 1 + 1 }}", ctx) == "{ day } {{ 1 + 1 }}"
    with pytest.raises(templates.MissingValue, match="message.nope"):
        templates.render("{{ message.nope }}", ctx)
    assert templates.unknown({"a": "{{ day }}", "b": "{{ env.HOME }}"}, ["day"]) == [("b", "env.HOME")]


def test_new_file_mode_follows_the_umask_read_on_first_write(tmp_path):
    """The umask is read when a new file is first written, not at import: a process that sets
    its umask after importing atomic still gets files with that mode, and the umask stays set."""
    script = (
        "import os, sys\n"
        "from notebook_ops.util import atomic\n"
        "os.umask(0o027)\n"
        "p = atomic.write_text(sys.argv[1], 'x')\n"
        "print(oct(p.stat().st_mode & 0o777), oct(os.umask(0)), oct(atomic.process_umask()))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "f.txt")], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["0o640", "0o27", "0o27"]
