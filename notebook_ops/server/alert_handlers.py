"""``/notebook-ops/api/alert-checks`` and ``alert-tests``: the lab checks alert destinations
before it saves them (in a schedule or in the notebook's pipeline settings) with the very parser
the CLI's ``--alert``, the scheduler and the settings reader use, and shows them as that answer
gives them: masked, so a credential typed once is never sent back to the browser. A test alert
goes to the typed destination at once from this server (``env:NAME`` read from its environment,
e-mail through its ``NOTEBOOK_OPS_SMTP_*``), outside the outbox: nothing is queued or retried.

Thin: ``model.contracts.alerts`` parses and masks, ``notebook_ops.alerts`` delivers.
"""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from notebook_ops.model.contracts.alerts import (
    AlertChecksResponse,
    AlertView,
    CheckAlerts,
    SendTestAlert,
    TestAlertResponse,
    parse_alerts,
)
from notebook_ops.server.handler_base import NotebookOpsHandler


class AlertChecksHandler(NotebookOpsHandler):
    @web.authenticated
    @authorized(action="read")
    async def post(self):
        body = CheckAlerts.parse(self.json_body())
        specs = parse_alerts(body.alerts)  # AlertError (400) naming alerts[i]
        self.reply(AlertChecksResponse([AlertView.of(spec) for spec in specs]))


class AlertTestsHandler(NotebookOpsHandler):
    @web.authenticated
    @authorized(action="execute")
    async def post(self):
        from notebook_ops.alerts import delivery, occurrences  # noqa: PLC0415 - on first test only

        body = SendTestAlert.parse(self.json_body())
        (spec,) = parse_alerts([{"to": body.to, "on": body.on, "format": body.format}], "alert")
        view = AlertView.of(spec)
        try:
            await self.blocking(
                delivery.send, occurrences.trial_alert(list(spec.on), body.pipeline), spec.to, spec.format
            )
        except delivery.DeliveryError as exc:
            # the request was fine, the destination said no: an answer, not a server error
            where = (
                "the destination, the SMTP settings (NOTEBOOK_OPS_SMTP_*)"
                if view.kind == "mail"
                else "the destination"
            )
            error = (
                f"the test alert to {view.to} was not delivered: {exc} "
                f"(check {where} and the environment of the Jupyter server)"
            )
            self.reply(TestAlertResponse(view, delivered=False, error=error))
            return
        self.reply(TestAlertResponse(view, delivered=True))
