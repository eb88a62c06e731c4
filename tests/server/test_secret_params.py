"""Secret parameters over the REST API (issue 26, problem 4): a run body may carry one; no
reply, record or file shows it; the pipeline view marks it so the lab asks for it unseen."""

from __future__ import annotations

import json

import pytest

from .test_runs_route import RUNS, call, wait_final

pytestmark = pytest.mark.slow

SECRET = "s3cr3t-REST-VALUE"


@pytest.fixture
def secret_nb(jp_root_dir, nb):
    (jp_root_dir / "work").mkdir()
    path = jp_root_dir / "work" / "sec.ipynb"
    path.write_text(
        json.dumps(
            nb(
                [
                    ('api_token = ""  # secret: the API token\nn = 2', ["parameters"]),
                    (
                        "import notebook_ops as nbo\nprint('token', api_token)\n"
                        "nbo.log_metric('token_len', len(api_token))\nm = n",
                        ["step:use"],
                    ),
                ]
            )
        )
    )
    return "work/sec.ipynb"


async def test_a_run_body_secret_is_masked_in_every_reply_and_file(jp_fetch, secret_nb, jp_root_dir):
    code, view = await call(
        jp_fetch, "notebook-ops", "api", "pipelines", method="POST", body={"path": secret_nb}
    )
    assert code == 200, view
    assert {p["name"]: p["secret"] for p in view["parameters"]} == {"api_token": True, "n": False}

    body = {"path": secret_nb, "parameters": {"api_token": SECRET}}
    code, started = await call(jp_fetch, *RUNS, method="POST", body=body)
    assert code == 202, started
    run = await wait_final(jp_fetch, started["run_id"], secret_nb)
    assert run["status"] == "succeeded", run
    assert run["parameters"] == {"api_token": "***", "n": 2}
    assert run["metrics"]["token_len"] == len(SECRET)
    replies = [started, run]
    code, listing = await call(jp_fetch, *RUNS, params={"path": secret_nb})
    replies.append(listing)
    code, step = await call(jp_fetch, *RUNS, started["run_id"], "steps", "use", params={"path": secret_nb})
    assert code == 200
    replies.append(step)
    assert "token ***" in json.dumps(step)
    assert SECRET not in json.dumps(replies)
    leaked = [str(p) for p in jp_root_dir.rglob("*") if p.is_file() and SECRET.encode() in p.read_bytes()]
    assert leaked == []
