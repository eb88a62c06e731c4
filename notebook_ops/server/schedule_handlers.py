"""``/notebook-ops/api/schedules`` and ``/notebook-ops/api/scheduler``: cron schedules on a
notebook, and the scheduler service hosted in this server.

Thin: the scheduler package validates and stores (its own SQLite store under the server root
by default). A schedule is visible here only when its target lies inside the server root; the
others (made with the CLI elsewhere) stay hidden, as if absent.
"""

from __future__ import annotations

import dataclasses
import os

from jupyter_server.auth.decorator import authorized
from tornado import web

from notebook_ops import scheduler  # the package: its API loads on first use
from notebook_ops.errors import NotFoundError
from notebook_ops.model.contracts.rest import (
    CreateSchedule,
    HostScheduler,
    SchedulerState,
    SchedulesResponse,
    UpdateSchedule,
)
from notebook_ops.model.contracts.schedules import ScheduledRunView, ScheduleView
from notebook_ops.scheduler import hosted
from notebook_ops.server.handler_base import BadRequest, NotebookOpsHandler


def _store(settings) -> str:
    return settings["notebook_ops_scheduler_store"]


class ScheduleBase(NotebookOpsHandler):
    @property
    def store(self) -> str:
        return _store(self.settings)

    def present(self, schedule: ScheduleView) -> ScheduleView | None:
        """The schedule with its target as a root-relative path and no ``workdir`` (a path on
        the server's disk); None when outside the root."""
        try:
            target = self.api_path(schedule.target)
        except (ValueError, OSError):
            return None
        return dataclasses.replace(
            schedule,
            target=target,
            workdir=None,
            recent_runs=None
            if schedule.recent_runs is None
            else [self._run(r) for r in schedule.recent_runs],
            last_run=self._run(schedule.last_run) if schedule.last_run else None,
        )

    def _run(self, run: ScheduledRunView) -> ScheduledRunView:
        """The run with its folder as a root-relative path (None when outside the root)."""
        if not run.run_dir:
            return run
        try:
            run_dir: str | None = self.api_path(run.run_dir)
        except (ValueError, OSError):
            run_dir = None
        return dataclasses.replace(run, run_dir=run_dir)

    def shown(self, schedule: ScheduleView) -> ScheduleView:
        """``present``, or 404 for a schedule whose target lies outside the root."""
        found = self.present(schedule)
        if found is None:
            raise NotFoundError(f"no schedule {schedule.name!r}")
        return found

    async def visible(self, name: str) -> ScheduleView:
        return self.shown(await self.blocking(scheduler.get, name, store=self.store))


class SchedulesHandler(ScheduleBase):
    @web.authenticated
    @authorized(action="read")
    async def get(self):
        path = self.get_query_argument("path", None)
        wanted = str(self.resolve(path)) if path else None
        found = await self.blocking(scheduler.list, store=self.store)
        shown = [self.present(s) for s in found if wanted is None or s.target == wanted]
        services = await self.blocking(scheduler.services, store=self.store)
        self.reply(SchedulesResponse([s for s in shown if s is not None], services))

    @web.authenticated
    @authorized(action="write")
    async def post(self):
        body = CreateSchedule.parse(self.json_body())  # the shape; the scheduler checks the rest
        target = self.resolve(body.path)
        if not target.is_file() and not target.is_dir():
            raise BadRequest("a schedule runs a notebook or a bundle", path=body.path)
        options = {
            k: getattr(body, k) for k in ("name", "timeout_s", "retries") if getattr(body, k) is not None
        }
        if body.alerts:
            options["alerts"] = body.alerts
        workdir = str(target.parent if target.is_file() else target)
        if body.trigger and body.trigger.strip():
            options.update(
                {
                    k: getattr(body, k)
                    for k in ("subscription", "dead_letter_topic")
                    if getattr(body, k) is not None
                }
            )
            created = await self.blocking(
                scheduler.add_trigger,
                str(target),
                body.trigger.strip(),
                parameters=body.parameters,
                workdir=workdir,
                store=self.store,
                **options,
            )
        else:
            if body.catchup is not None:
                options["catchup"] = body.catchup
            created = await self.blocking(
                scheduler.add,
                str(target),
                body.cron,
                tz=body.tz or "UTC",
                parameters=body.parameters,
                workdir=workdir,
                store=self.store,
                **options,
            )
        self.reply(self.shown(created), status=201)


class ScheduleHandler(ScheduleBase):
    @web.authenticated
    @authorized(action="read")
    async def get(self, name: str):
        self.reply(await self.visible(name))

    @web.authenticated
    @authorized(action="write")
    async def patch(self, name: str):
        body = UpdateSchedule.parse(self.json_body())
        await self.visible(name)
        change = scheduler.pause if body.paused else scheduler.resume
        self.reply(self.shown(await self.blocking(change, name, store=self.store)))

    @web.authenticated
    @authorized(action="write")
    async def delete(self, name: str):
        await self.visible(name)
        self.reply(self.shown(await self.blocking(scheduler.remove, name, store=self.store)))


class ScheduleRunsHandler(ScheduleBase):
    """POST: fire the schedule now (the service starts it)."""

    @web.authenticated
    @authorized(action="execute")
    async def post(self, name: str):
        await self.visible(name)
        run = await self.blocking(scheduler.run_now, name, store=self.store)
        if run is None:
            raise BadRequest(f"a run of {name!r} is already queued for this very time", hint="try again")
        self.reply(self._run(run), status=202)


class SchedulerHandler(ScheduleBase):
    """Is a scheduler service firing this store's schedules? PUT ``{"hosted": bool}`` starts or
    stops the one hosted in this server (the lab setting "Host the scheduler")."""

    def _state(self, services) -> SchedulerState:
        current = hosted.current()
        return SchedulerState(
            hosted=current is not None,
            active=bool(current and current.active),
            services=services,
            env_override=os.environ.get("NOTEBOOK_OPS_SCHEDULER"),
        )

    @web.authenticated
    @authorized(action="read")
    async def get(self):
        self.reply(self._state(await self.blocking(scheduler.services, store=self.store)))

    @web.authenticated
    @authorized(action="execute")
    async def put(self, *_):
        body = HostScheduler.parse(self.json_body())
        if body.hosted:
            app = self.settings["notebook_ops_serverapp"]
            await self.blocking(hosted.start_hosted, app, settings={"enabled": True})
        else:
            await self.blocking(hosted.stop_hosted)
        self.reply(self._state(await self.blocking(scheduler.services, store=self.store)))
