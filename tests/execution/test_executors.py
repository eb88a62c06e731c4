"""One executor protocol: a run's options resolved once into a frozen ``RunConfig`` (bad ones
refused there), the executor it names chosen once from the registry, one ``StepContext`` per
step carrying the kernel's plumbing, and every executor (forked, fresh, one kernel, a
``run-step`` task) giving the same run with real kernels."""

from __future__ import annotations

import dataclasses
import json

import pytest

from conftest import write_nb
from notebook_ops.errors import ParameterError
from notebook_ops.execution import EXECUTORS, RunConfig, StepContext, execute_step, run_pipeline
from notebook_ops.execution.executors import (
    DaskTaskExecutor,
    ForkedKernelExecutor,
    FreshKernelExecutor,
    SingleKernelExecutor,
)
from notebook_ops.execution.orchestrate import PipelineRun
from notebook_ops.model import load_pipeline

CELLS = [
    ("import os\nimport notebook_ops as nbo", ["setup"]),
    ("n = 3\ntoken = ''  # secret", ["parameters"]),
    ("xs = list(range(n))\nwhere = nbo.context().to_dict()", ["step:make"]),
    (
        "total = sum(xs)\nnbo.log_metric('total', total)\n"
        "nbo.log_metric('token_len', len(os.environ.get('NOTEBOOK_OPS_SECRET_TOKEN', '')))",
        ["step:report", "after:make"],
    ),
]


@pytest.fixture
def nb(tmp_path):
    return write_nb(tmp_path, "two.ipynb", CELLS)


def test_options_are_resolved_once_and_frozen(nb):
    cfg = RunConfig.resolve(load_pipeline(nb), jobs=2, steps="report", kernels="fresh")
    assert cfg.selected == ("report",)
    assert (cfg.executor, cfg.kernels, cfg.jobs, cfg.cluster) == ("fresh", "fresh", 2, None)
    assert cfg.base == nb.parent.resolve() == cfg.kernel_cwd
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.jobs = 3  # type: ignore[misc]


def test_the_notebooks_settings_fill_what_the_caller_left_out(tmp_path):
    meta = {
        "notebook_ops": {"kernels": "fresh", "data_url": "file:///tmp/store", "cluster": "tcp://sched:8786"}
    }
    pipeline = load_pipeline(write_nb(tmp_path, "s.ipynb", CELLS, metadata=meta))
    cfg = RunConfig.resolve(pipeline)
    # a cluster queues every step that can start: jobs default to the number of steps
    assert (cfg.executor, cfg.cluster, cfg.jobs, cfg.data_url) == (
        "cluster",
        "tcp://sched:8786",
        2,
        "file:///tmp/store",
    )
    local = RunConfig.resolve(pipeline, cluster="local", data_url="/elsewhere")
    assert (local.executor, local.cluster, local.data_url) == ("fresh", None, "/elsewhere")
    assert RunConfig.resolve(pipeline, cluster="local", kernels="fork").executor == "fork"


@pytest.mark.parametrize(
    "options, message",
    [
        ({"cluster": "tcp://sched:8786", "single_kernel": True}, "cannot run in a single kernel"),
        ({"jobs": "2"}, "--jobs must be a positive integer"),
        ({"kernels": "spawn"}, "kernels must be fork or fresh"),
        ({"mode": "dag"}, "mode must be pipeline or bundle"),
        ({"steps": ["nope"]}, "unknown step 'nope'"),
        ({"from_step": "nope"}, "unknown step 'nope'"),
    ],
)
def test_bad_options_are_refused_before_anything_exists(nb, options, message):
    with pytest.raises(ParameterError, match=message):
        run_pipeline(load_pipeline(nb), **options)
    assert not (nb.parent / ".notebook_ops").exists()  # no run folder, no cache, no record


@pytest.mark.parametrize(
    "options, executor",
    [
        ({}, ForkedKernelExecutor),
        ({"kernels": "fresh"}, FreshKernelExecutor),
        ({"single_kernel": True}, SingleKernelExecutor),
        ({"cluster": "tcp://sched:8786"}, DaskTaskExecutor),
    ],
)
def test_the_executor_is_chosen_once_from_the_registry(nb, options, executor):
    pipeline = load_pipeline(nb)
    run = PipelineRun(pipeline, RunConfig.resolve(pipeline, **options))
    assert type(run.executor) is executor is EXECUTORS[run.config.executor]
    assert run.pool is None  # choosing one starts nothing


def test_a_step_context_keeps_secrets_out_of_the_parameters(tmp_path):
    ctx = StepContext.build(
        "report",
        {"cells": []},
        values={"n": 3},
        secrets={"token": "s3cr3t-value"},
        data_url="/data",
        run_id="r1",
        mode="bundle",
        run_dir="/runs/r1",
        out_path=tmp_path / "out.ipynb",
        log_path=tmp_path / "out.log",
        timeout="30",
    )
    assert dict(ctx.parameters) == {
        "n": 3,
        "_nbo_data_url": "/data",
        "_nbo_run_id": "r1",
        "_nbo_step": "report",
        "_nbo_mode": "bundle",
        "_nbo_run_dir": "/runs/r1",
    }
    assert dict(ctx.env) == {"NOTEBOOK_OPS_SECRET_TOKEN": "s3cr3t-value"}
    assert ctx.scrub == ("s3cr3t-value",) and ctx.timeout == 30.0
    away = ctx.elsewhere()  # a Dask worker has no run folder
    assert away.parameters["_nbo_run_dir"] == "" and ctx.parameters["_nbo_run_dir"] == "/runs/r1"


@pytest.mark.parametrize("options", [{"kernels": "fork"}, {"kernels": "fresh"}, {"single_kernel": True}])
def test_every_executor_gives_the_same_run(nb, monkeypatch, options):
    monkeypatch.setenv("NOTEBOOK_OPS_SECRET_TOKEN", "abcdefgh")
    result = run_pipeline(load_pipeline(nb), track=False, params={"n": "4"}, **options)
    rec = result.record
    assert result.status == "succeeded", rec
    assert rec["metrics"] == {"total": 6, "token_len": 8}  # the secret reached the kernel
    assert rec["parameters"] == {"n": 4, "token": "***"}
    assert [rec["steps"][s]["status"] for s in ("make", "report")] == ["succeeded", "succeeded"]
    assert rec["options"]["single_kernel"] is bool(options.get("single_kernel"))
    assert rec["options"]["kernels"] == options.get("kernels", "fork")
    written = json.loads((result.run_dir / "run.json").read_text())
    assert written["status"] == "succeeded" and "abcdefgh" not in (result.run_dir / "run.json").read_text()


def test_a_run_step_task_runs_one_context_in_a_fresh_kernel(tmp_path):
    step_nb = {
        "cells": [
            {
                "cell_type": "code",
                "id": "p",
                "metadata": {"tags": ["parameters"]},
                "source": "_nbo_step = ''\n_nbo_run_dir = None",
                "execution_count": None,
                "outputs": [],
            },
            {
                "cell_type": "code",
                "id": "c",
                "metadata": {},
                "source": "import os\n"
                "print(_nbo_step, repr(_nbo_run_dir), os.environ['NOTEBOOK_OPS_SECRET_KEY'])",
                "execution_count": None,
                "outputs": [],
            },
        ],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    ctx = StepContext.build(
        "solo",
        step_nb,
        values={},
        secrets={"key": "hidden-value-1"},
        data_url=str(tmp_path / "data"),
        run_id="r2",
        mode="bundle",
        run_dir="",
        out_path=tmp_path / "solo.ipynb",
        log_path=tmp_path / "solo.log",
        cwd=tmp_path,
    )
    outcome = execute_step(ctx)
    assert outcome.ok, outcome.error
    executed = json.loads((tmp_path / "solo.ipynb").read_text())
    printed = "".join("".join(o.get("text", "")) for c in executed["cells"] for o in c.get("outputs", []))
    # the step and its plumbing arrived; the secret came through the environment and is masked
    assert printed.startswith("solo '' ") and "hidden-value-1" not in printed
