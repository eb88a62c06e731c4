"""Alerts test fixtures: an outbox of the test's own, a webhook receiver, an SMTP server."""

from __future__ import annotations

import pytest
from alertkit import SmtpServer, WebhookReceiver


@pytest.fixture(autouse=True)
def outbox_db(tmp_path, monkeypatch):
    """Each test's alerts go through an outbox of its own (children inherit it)."""
    path = tmp_path / "alerts.db"
    monkeypatch.setenv("NOTEBOOK_OPS_ALERTS_DB", str(path))
    return path


@pytest.fixture
def hook():
    r = WebhookReceiver()
    yield r
    r.close()


@pytest.fixture
def smtp(tmp_path, monkeypatch):
    server = SmtpServer(tmp_path / "pki")
    for k, v in server.env().items():
        monkeypatch.setenv(k, v)
    yield server
    server.close()
