"""``/notebook-ops/api/alert-checks``: the lab checks alert destinations before it saves them
(in a schedule or in the notebook's pipeline settings) with the very parser the CLI's
``--alert``, the scheduler and the settings reader use, and shows them as that answer gives
them: masked, so a credential typed once is never sent back to the browser.

Thin: ``model.contracts.alerts`` parses and masks.
"""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from notebook_ops.model.contracts.alerts import AlertChecksResponse, AlertView, CheckAlerts, parse_alerts
from notebook_ops.server.handler_base import NotebookOpsHandler


class AlertChecksHandler(NotebookOpsHandler):
    @web.authenticated
    @authorized(action="read")
    async def post(self):
        body = CheckAlerts.parse(self.json_body())
        specs = parse_alerts(body.alerts)  # AlertError (400) naming alerts[i]
        self.reply(AlertChecksResponse([AlertView.of(spec) for spec in specs]))
