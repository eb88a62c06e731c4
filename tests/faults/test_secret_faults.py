"""Secret parameters and URLs with credentials (issue 26, problem 4): ``g4-`` cases.

Real runs (real kernels through papermill, forked, fresh and single-kernel), a real MLflow
store, a real events file sink, real bundles with their targets validated by the real
Kubernetes models, a real HTTP server for the webhook. Each run case greps every byte the run
left (run folder, MLflow database and artifacts, events file, cache, logs) for the secret, and
proves the step saw the real value through a metric derived from it (its length).
"""

from __future__ import annotations

import base64
import http.server
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import yaml

from nbfactory import make_notebook, write_notebook
from notebook_ops.cli import main

SECRET = "s3cr3t-VALUE"
NOTEBOOK_OPS = str(Path(sys.executable).parent / "notebook-ops")
HERE = Path(__file__).resolve().parent


@pytest.fixture(autouse=True)
def _isolate(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    for name in ("SOURCE_DATE_EPOCH", "MLFLOW_TRACKING_URI", "NOTEBOOK_OPS_EVENTS", "NOTEBOOK_OPS_DB"):
        monkeypatch.delenv(name, raising=False)
    for name in list(os.environ):
        if name.startswith("NOTEBOOK_OPS_SECRET_"):
            monkeypatch.delenv(name)


def engine_venv(kind: str) -> Path:
    """The engine's own environment (made as tests/deploy/conftest.py makes it)."""
    import importlib.util

    if str(HERE.parent / "deploy") not in sys.path:  # its conftest imports its helpers
        sys.path.insert(0, str(HERE.parent / "deploy"))
    spec = importlib.util.spec_from_file_location(
        "nbo_targets_conftest", HERE.parent / "deploy" / "conftest.py"
    )
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.engine_venv(kind)


def secret_cells(params='api_token = ""  # secret: the API token\nn = 3\n'):
    return [
        ("import sys\nimport notebook_ops as nbo\n", ["setup"]),
        (params, ["parameters"]),
        (
            'print("token is", api_token)\n'
            'print("err", api_token, file=sys.stderr)\n'
            'nbo.log_metric("token_len", len(api_token))\n'
            "size = n * 2\n"
            "api_token",  # shown as the cell's result too
            ["step:use"],
        ),
        (
            'total = size + len(api_token)\nnbo.log_metric("total", total)\nprint(f"{api_token!r}")\n'
            "import os\n"
            'os.system("echo sys-$NOTEBOOK_OPS_SECRET_API_TOKEN")  # the process itself writes it\n'
            'os.write(2, ("fd2-" + api_token + "\\n").encode())',
            ["step:after"],
        ),
    ]


def leaks(*folders: Path) -> list[str]:
    """Every file under ``folders`` that holds the secret (as written, or base64 as HTTP
    basic auth would carry it)."""
    needles = (SECRET.encode(), base64.b64encode(SECRET.encode()))
    out = []
    for folder in folders:
        for f in sorted(folder.rglob("*")):
            if f.is_file() and any(n in f.read_bytes() for n in needles):
                out.append(str(f.relative_to(folder)))
    return out


def cli(capsys, *args) -> tuple[int, str, str]:
    capsys.readouterr()
    try:
        rc = main(list(map(str, args)))
    except SystemExit as exc:
        rc = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    return rc, out, err


def one_line_error(err: str) -> str:
    text = err.strip()
    assert "Traceback" not in err, err
    assert text.startswith("error: ") and "\n" not in text, err
    return text


def outputs_text(nb_path: Path) -> str:
    nb = json.loads(nb_path.read_text())
    return json.dumps([c.get("outputs") for c in nb["cells"]])


# --- runs: the value reaches the step, and nothing written holds it -------------------------


@pytest.mark.parametrize(
    "how",
    [
        pytest.param({"kernels": "fork"}, id="g4-run-forked-kernels"),
        pytest.param({"kernels": "fresh"}, id="g4-run-fresh-kernels"),
        pytest.param({"single_kernel": True}, id="g4-run-single-kernel"),
    ],
)
def test_a_secret_reaches_the_step_and_is_written_nowhere(tmp_path, how):
    from notebook_ops.execution import run_notebook

    project = tmp_path / "project"
    project.mkdir()
    nb = write_notebook(project / "sec.ipynb", make_notebook(secret_cells()))
    before = nb.read_bytes()
    events = tmp_path / "events.jsonl"
    result = run_notebook(nb, params={"api_token": SECRET, "n": 4}, events=[str(events)], track=True, **how)
    assert result.ok, result.record.get("error")
    rec = result.record
    # the step saw the real value: its length, and what the next step computed from it
    assert rec["metrics"]["token_len"] == len(SECRET)
    assert rec["metrics"]["total"] == 8 + len(SECRET)
    assert rec["parameters"] == {"api_token": "***", "n": 4}
    # what the step printed and showed is masked in the executed notebook(s)
    notebooks = sorted(result.run_dir.glob("steps/*.ipynb"))
    assert notebooks
    shown = "".join(outputs_text(p) for p in notebooks)
    assert "token is ***" in shown and "err ***" in shown and "'***'" in shown
    # MLflow logged the run, its parameters and the executed notebooks; events were written
    assert (project / ".notebook_ops" / "mlflow.db").is_file()
    logged = list((project / ".notebook_ops").rglob("mlartifacts/**/*.ipynb"))
    assert logged, "the executed notebooks were not logged as MLflow artifacts"
    assert '"api_token": "***"' in events.read_text()
    # and nowhere is the value: run folder, MLflow (db + artifacts), cache, logs, events
    assert leaks(tmp_path) == []
    assert nb.read_bytes() == before


def test_g4_secret_from_the_environment_on_the_command_line(tmp_path):
    """``NOTEBOOK_OPS_SECRET_API_TOKEN`` is read (the plain name never is); nothing it prints
    or records holds the value."""
    nb = write_notebook(tmp_path / "sec.ipynb", make_notebook(secret_cells()))
    env = {k: v for k, v in os.environ.items() if not k.startswith("NOTEBOOK_OPS_SECRET_")}
    env.update(NOTEBOOK_OPS_SECRET_API_TOKEN=SECRET, API_TOKEN="plain-name-is-ignored")
    env.pop("MLFLOW_TRACKING_URI", None)
    done = subprocess.run(
        [NOTEBOOK_OPS, "run", str(nb), "--no-track", "--json"],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert SECRET not in done.stdout + done.stderr
    rec = json.loads(done.stdout[done.stdout.index("{") :])
    assert rec["metrics"]["token_len"] == len(SECRET) and rec["parameters"]["api_token"] == "***"
    assert leaks(tmp_path) == []


def test_g4_a_second_run_with_another_secret_is_not_a_cache_hit_that_leaks(tmp_path):
    """The cache key leaves the secret out (a key never encodes it): a second run with another
    value reuses the step, and the cache holds neither value."""
    from notebook_ops.execution import run_notebook

    nb = write_notebook(tmp_path / "sec.ipynb", make_notebook(secret_cells()))
    first = run_notebook(nb, params={"api_token": SECRET}, track=False, kernels="fresh")
    second = run_notebook(nb, params={"api_token": "other-VALUE-2"}, track=False, kernels="fresh")
    assert first.ok and second.ok
    assert second.record["steps"]["use"].get("cached") or second.record["steps"]["use"]["status"] == "cached"
    assert leaks(tmp_path) == []
    assert not any(b"other-VALUE-2" in f.read_bytes() for f in tmp_path.rglob("*") if f.is_file())


# --- declaring: lint refuses a value in the notebook ----------------------------------------


@pytest.mark.parametrize(
    "params_cell, settings, code",
    [
        pytest.param(
            'api_token = "sk-live-1234567890"  # secret\n', {}, "secret-default", id="g4-lint-literal-default"
        ),
        pytest.param(
            'api_token = "sk-live-1234567890"\n',
            {"secrets": ["api_token"]},
            "secret-default",
            id="g4-lint-literal-default-settings",
        ),
        pytest.param(
            'api_token = ""\n', {"secrets": ["api_tokn"]}, "unknown-secret", id="g4-lint-unknown-secret"
        ),
    ],
)
def test_a_secret_with_a_value_in_the_notebook_is_refused(tmp_path, capsys, params_cell, settings, code):
    cells = [(params_cell, ["parameters"]), ("print(len(api_token))", ["step:use"])]
    nb = write_notebook(
        tmp_path / "bad.ipynb", make_notebook(cells, {"notebook_ops": settings} if settings else None)
    )
    before = nb.read_bytes()
    rc, out, err = cli(capsys, "lint", nb)
    assert rc == 1
    where = (
        "bad.ipynb: cell 1" if code == "secret-default" else "bad.ipynb: error: metadata.notebook_ops.secrets"
    )
    assert f"[{code}]" in out + err and where in out + err
    assert "sk-live-1234567890" not in out + err
    rc, out, err = cli(capsys, "run", nb, "--no-track")
    assert rc == 1
    line = one_line_error(err)
    assert "bad.ipynb" in line and "sk-live-1234567890" not in line
    assert nb.read_bytes() == before and not (tmp_path / ".notebook_ops").exists()


@pytest.mark.parametrize(
    "params_cell, settings, help_",
    [
        pytest.param(
            'api_token = ""  # secret: the API token\n', None, "the API token", id="g4-declare-comment"
        ),
        pytest.param("api_token = None  # secret\n", None, "", id="g4-declare-comment-none"),
        pytest.param(
            'api_token = "<your token>"  # Secret - the key\n', None, "the key", id="g4-declare-placeholder"
        ),
        pytest.param(
            'api_token = ""  # the key\n', {"secrets": ["api_token"]}, "the key", id="g4-declare-settings"
        ),
    ],
)
def test_secrets_are_declared_by_comment_or_settings(tmp_path, params_cell, settings, help_):
    from notebook_ops.model import load_pipeline

    cells = [
        (params_cell + "n = 1  # secretary count\n", ["parameters"]),
        ("print(api_token, n)", ["step:use"]),
    ]
    nb = write_notebook(
        tmp_path / "d.ipynb", make_notebook(cells, {"notebook_ops": settings} if settings else None)
    )
    p = load_pipeline(nb)
    assert p.ok, p.errors
    params = {x.name: x for x in p.parameters}
    assert params["api_token"].secret and params["api_token"].help == help_
    assert not params["n"].secret and params["n"].help == "secretary count"


# --- schedules never store a secret --------------------------------------------------------


def test_g4_schedule_refuses_a_secret_value(tmp_path, capsys):
    nb = write_notebook(tmp_path / "sec.ipynb", make_notebook(secret_cells()))
    db = tmp_path / "sched.db"
    rc, out, err = cli(
        capsys, "schedule", "add", nb, "--cron", "0 6 * * *", "-p", f"api_token={SECRET}", "--db", db
    )
    assert rc == 2, err
    line = one_line_error(err)
    assert "api_token" in line and "NOTEBOOK_OPS_SECRET_API_TOKEN" in line and SECRET not in line
    rc, out, err = cli(capsys, "schedule", "list", "--json", "--db", db)
    assert rc == 0 and json.loads(out) == [] or json.loads(out).get("schedules") == []
    assert leaks(tmp_path) == []


def test_g4_schedule_webhook_credentials_are_never_shown(tmp_path, capsys):
    nb = write_notebook(tmp_path / "sec.ipynb", make_notebook(secret_cells()))
    db = tmp_path / "sched.db"
    hook = "https://alerts:hunter2-PASS@hooks.example.com/notify"
    rc, out, err = cli(capsys, "schedule", "add", nb, "--cron", "0 6 * * *", "--webhook", hook, "--db", db)
    assert rc == 0, err
    assert "hunter2-PASS" not in out + err
    for args in (("schedule", "show", "sec", "--db", db), ("schedule", "show", "sec", "--json", "--db", db)):
        rc, out, err = cli(capsys, *args)
        assert rc == 0, err
        assert "hunter2-PASS" not in out + err and "alerts:***@hooks.example.com" in out
    rc, out, err = cli(capsys, "schedule", "list", "--json", "--db", db)
    assert rc == 0 and "hunter2-PASS" not in out and "alerts:***@" in out


# --- webhooks: credentials as a header, never in the requested URL -------------------------


class _Receiver(http.server.BaseHTTPRequestHandler):
    seen: list = []

    def do_POST(self):  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        type(self).seen.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": body})
        self.send_response(204 if self.path.startswith("/ok") else 500)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    _Receiver.seen = []
    server = http.server.HTTPServer(("127.0.0.1", 0), _Receiver)
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    yield server.server_address[1], _Receiver.seen
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    "userinfo, user, password",
    [
        pytest.param("bot:hunter2-PASS", "bot", "hunter2-PASS", id="g4-webhook-user-password"),
        pytest.param("bot:p%40ss%3Aword", "bot", "p@ss:word", id="g4-webhook-escaped-password"),
        pytest.param("tok3n-ONLY", "tok3n-ONLY", "", id="g4-webhook-bare-token"),
    ],
)
def test_webhook_credentials_go_as_basic_auth(receiver, userinfo, user, password):
    from notebook_ops.util import webhook_client as webhook

    port, seen = receiver
    status = webhook.post(f"http://{userinfo}@127.0.0.1:{port}/ok/hook?x=1", {"a": 1}, timeout=10, secret="")
    assert status == 204
    (req,) = seen
    assert req["path"] == "/ok/hook?x=1"  # no userinfo in what was requested
    expected = base64.b64encode(f"{user}:{password}".encode()).decode()
    assert req["auth"] == f"Basic {expected}"
    assert json.loads(req["body"]) == {"a": 1}


def test_g4_webhook_error_never_shows_the_password(receiver):
    from notebook_ops.util import webhook_client as webhook

    port, _ = receiver
    with pytest.raises(webhook.WebhookError) as info:
        webhook.post(f"http://bot:hunter2-PASS@127.0.0.1:{port}/fail", {}, timeout=10, secret="")
    assert "hunter2-PASS" not in str(info.value) and "bot:***@127.0.0.1" in str(info.value)


def test_g4_events_webhook_sink_sends_basic_auth(tmp_path, receiver):
    """A run whose events go to a webhook with credentials: each event arrives with the header,
    on a URL without them, and the run's records never show the password."""
    from notebook_ops.execution import run_notebook

    port, seen = receiver
    nb = write_notebook(tmp_path / "sec.ipynb", make_notebook(secret_cells()))
    url = f"http://hook:hunter2-PASS@127.0.0.1:{port}/ok/events"
    result = run_notebook(nb, params={"api_token": SECRET}, events=[url], track=False, kernels="fresh")
    assert result.ok
    assert seen and all(r["path"] == "/ok/events" for r in seen)
    assert {r["auth"] for r in seen} == {"Basic " + base64.b64encode(b"hook:hunter2-PASS").decode()}
    assert all(SECRET.encode() not in r["body"] for r in seen)
    assert not any(b"hunter2-PASS" in f.read_bytes() for f in tmp_path.rglob("*") if f.is_file())
    assert leaks(tmp_path) == []


# --- bundles: declared without a value, each target takes it its own way --------------------


@pytest.fixture(scope="module")
def secret_bundle(tmp_path_factory):
    from notebook_ops.bundle import export_notebook

    work = tmp_path_factory.mktemp("secret-bundle")
    nb = write_notebook(work / "sec.ipynb", make_notebook(secret_cells()))
    old = os.environ.get("NOTEBOOK_OPS_KFP_PYTHON")
    os.environ["NOTEBOOK_OPS_KFP_PYTHON"] = str(engine_venv("kfp") / "bin" / "python")
    try:  # the KFP spec compiled by the real SDK (with kfp-kubernetes)
        export_notebook(
            nb,
            out_dir=work / "dist",
            track=False,
            tag=False,
            allow_dirty=True,
            target_names=["airflow", "airflow-image", "argo", "k8s", "kfp"],
        )
    finally:
        if old is None:
            os.environ.pop("NOTEBOOK_OPS_KFP_PYTHON", None)
        else:
            os.environ["NOTEBOOK_OPS_KFP_PYTHON"] = old
    (bundle,) = [p for p in (work / "dist").iterdir() if p.is_dir()]
    return bundle


def test_g4_bundle_declares_the_secret_without_a_value(secret_bundle):
    m = yaml.safe_load((secret_bundle / "pipeline.yaml").read_text())
    token = next(p for p in m["parameters"] if p["name"] == "api_token")
    assert token == {"name": "api_token", "type": "str", "secret": True, "help": "the API token"}
    readme = (secret_bundle / "README.md").read_text()
    assert "NOTEBOOK_OPS_SECRET_API_TOKEN" in readme and "sec-secrets" in readme
    assert leaks(secret_bundle) == []


def test_g4_bundle_targets_carry_secret_refs_and_validate(secret_bundle, tmp_path):
    engine_venv("kfp")  # puts tests/deploy on sys.path, for its validation helper
    from test_targets_argo_k8s import validate

    from notebook_ops.deploy.common import secret_name, tracking_env

    ref = {
        "name": "NOTEBOOK_OPS_SECRET_API_TOKEN",
        "valueFrom": {"secretKeyRef": {"name": "sec-secrets", "key": "api_token"}},
    }
    assert secret_name({"name": "sec"}) == "sec-secrets"
    wf = yaml.safe_load((secret_bundle / "targets" / "argo" / "workflow.yaml").read_text())
    args = [p["name"] for p in wf["spec"]["arguments"]["parameters"]]
    assert "api_token" not in args and "n" in args
    steps = [t for t in wf["spec"]["templates"] if "container" in t]
    assert steps and all(ref in t["container"]["env"] for t in steps)
    assert all("api_token" not in t["container"]["args"] for t in steps)
    job = yaml.safe_load((secret_bundle / "targets" / "k8s" / "job.yaml").read_text())
    assert job["spec"]["template"]["spec"]["containers"][0]["env"] == [ref, *tracking_env()]  # + MLflow's
    rows = validate(engine_venv("kfp"), [wf, job], tmp_path)
    assert [r for r in rows if not r["ok"]] == [], rows
    # KFP: no pipeline input for the secret; each task's pod env from the Secret (kfp-kubernetes)
    docs = list(yaml.safe_load_all((secret_bundle / "targets" / "kfp" / "pipeline.yaml").read_text()))
    spec, platform = docs[0], docs[1]
    assert "api_token" not in spec["root"]["inputDefinitions"]["parameters"]
    executors = platform["platforms"]["kubernetes"]["deploymentSpec"]["executors"]
    assert executors and all(
        e["secretAsEnv"][0]["keyToEnv"]
        == [{"secretKey": "api_token", "envVar": "NOTEBOOK_OPS_SECRET_API_TOKEN"}]
        and e["secretAsEnv"][0].get("secretName", "sec-secrets") == "sec-secrets"
        for e in executors.values()
    ), executors
    dag = (secret_bundle / "targets" / "airflow" / "sec_dag.py").read_text()
    assert "'secrets': {'api_token': 'NOTEBOOK_OPS_SECRET_API_TOKEN'}" in dag and "Variable.get(" in dag
    assert "'name': 'api_token'" not in dag  # not a DAG param (those show in the UI and the run conf)
    image_dag = (secret_bundle / "targets" / "airflow-image" / "sec_image_dag.py").read_text()
    assert "var.value.%s" in image_dag and "env_vars=" in image_dag


def test_g4_run_step_takes_the_secret_from_the_environment(secret_bundle, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("NOTEBOOK_OPS_SECRET_")}
    env["NOTEBOOK_OPS_SECRET_API_TOKEN"] = SECRET
    store = tmp_path / "store"
    for step in ("use", "after"):
        task = tmp_path / f"task-{step}"
        task.mkdir()
        done = subprocess.run(
            [NOTEBOOK_OPS, "run-step", str(secret_bundle), step, "--data", str(store)],
            capture_output=True,
            text=True,
            timeout=600,
            cwd=task,
            env=env,
        )
        assert done.returncode == 0, done.stderr
        assert SECRET not in done.stdout + done.stderr
    metrics = {m["name"]: m["value"] for m in json.loads((store / "use" / "_metrics.json").read_text())}
    assert metrics["token_len"] == len(SECRET)
    assert "token is ***" in outputs_text(store / "use" / "_notebook.ipynb")
    assert leaks(tmp_path) == []


def test_g4_run_bundle_takes_the_secret_from_the_environment(secret_bundle, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("NOTEBOOK_OPS_SECRET_")}
    env["NOTEBOOK_OPS_SECRET_API_TOKEN"] = SECRET
    done = subprocess.run(
        [NOTEBOOK_OPS, "run", str(secret_bundle), "--no-track", "--json"],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    rec = json.loads(done.stdout[done.stdout.index("{") :])
    assert rec["metrics"]["token_len"] == len(SECRET) and rec["parameters"]["api_token"] == "***"
    assert leaks(tmp_path) == []


def test_g4_airflow_dag_takes_the_secret_from_a_variable(secret_bundle, tmp_path):
    """``airflow dags test`` of the bundle's DAG with the secret as an Airflow Variable (from
    the environment, ``AIRFLOW_VAR_<NAME>``): every task succeeds, the step saw the value, and
    neither the data store nor Airflow's logs and database hold it."""
    airflow_venv = engine_venv("airflow")
    home, data = tmp_path / "airflow_home", tmp_path / "airflow_data"
    home.mkdir()
    data.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "NOTEBOOK_OPS"))}
    env.update(
        AIRFLOW_HOME=str(home),
        AIRFLOW__CORE__DAGS_FOLDER=str(secret_bundle / "targets" / "airflow"),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW_VAR_NOTEBOOK_OPS_SECRET_API_TOKEN=SECRET,
        NOTEBOOK_OPS_BIN=NOTEBOOK_OPS,
        NOTEBOOK_OPS_DATA=str(data),
        PATH=f"{airflow_venv / 'bin'}:{env.get('PATH', '')}",
    )
    airflow = str(airflow_venv / "bin" / "airflow")
    for args in (["db", "migrate"], ["dags", "test", "sec"]):
        done = subprocess.run(
            [airflow, *args], env=env, cwd=home, capture_output=True, text=True, timeout=900
        )
        assert done.returncode == 0, (args, done.stdout[-3000:], done.stderr[-3000:])
    assert SECRET not in done.stdout + done.stderr
    (run_dir,) = list((data / "sec").iterdir())
    metrics = {m["name"]: m["value"] for m in json.loads((run_dir / "use" / "_metrics.json").read_text())}
    assert metrics["token_len"] == len(SECRET)
    assert leaks(data) == [] and leaks(home) == []


def test_g4_the_leak_check_finds_a_value(tmp_path):
    """The check every case relies on: a file holding the value, plain or base64, is found."""
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "plain.json").write_text(json.dumps({"x": SECRET}))
    (tmp_path / "b64.txt").write_bytes(base64.b64encode(SECRET.encode()))
    (tmp_path / "clean.txt").write_text("***")
    assert leaks(tmp_path) == ["a/plain.json", "b64.txt"]


def test_g4_deploy_refuses_a_secret_in_the_dag_run_conf(secret_bundle):
    """``deploy -p`` becomes a DAG run's conf, which Airflow stores and shows: never a secret.
    The DAG deploy renders has no Param for it either."""
    from notebook_ops.deploy import airflow_push as deploy_airflow
    from notebook_ops.errors import ParameterError
    from notebook_ops.deploy import airflow_dag as airflow_target
    from notebook_ops.bundle.manifest import without_secrets

    m = yaml.safe_load((secret_bundle / "pipeline.yaml").read_text())
    assert deploy_airflow.conf_for(m, {"n": "5"}) == {"n": 5}
    with pytest.raises(ParameterError) as info:
        deploy_airflow.conf_for(m, {"api_token": SECRET})
    assert "NOTEBOOK_OPS_SECRET_API_TOKEN" in info.value.hint and SECRET not in str(info.value)
    dag = airflow_target.render(without_secrets(m), bundle="http://127.0.0.1/b.tar.gz", data_root="/data")
    assert "'name': 'api_token'" not in dag and "NOTEBOOK_OPS_SECRET_API_TOKEN" in dag


def test_g4_a_masked_value_given_back_means_from_the_environment(tmp_path, monkeypatch):
    """``-p api_token=***`` (a record's parameters given back, a re-run from the lab) is no
    value: the environment's is used."""
    from notebook_ops.execution import run_notebook

    monkeypatch.setenv("NOTEBOOK_OPS_SECRET_API_TOKEN", SECRET)
    nb = write_notebook(tmp_path / "sec.ipynb", make_notebook(secret_cells()))
    res = run_notebook(nb, params={"api_token": "***", "n": 1}, track=False, kernels="fresh", cache=False)
    assert res.ok and res.record["metrics"]["token_len"] == len(SECRET)
    assert leaks(tmp_path) == []


def test_g4_run_json_shows_the_tracking_uri_without_credentials(tmp_path):
    """What the MLflow follower writes into run.json (where the run is logged, why it is not)
    shows no password, whatever the tracking URI and the error say."""
    from notebook_ops.execution import run_notebook
    from notebook_ops.tracking.sync import write_mlflow_block

    nb = write_notebook(tmp_path / "sec.ipynb", make_notebook(secret_cells()))
    res = run_notebook(nb, params={"api_token": SECRET}, track=False, kernels="fresh")
    assert res.ok
    uri = "https://ml:hunter2-PASS@mlflow.example.com"
    write_mlflow_block(res.run_dir, uri, {"error": f"cannot reach {uri}/api/2.0"})
    block = json.loads((res.run_dir / "run.json").read_text())["mlflow"]
    assert block["tracking_uri"] == "https://ml:***@mlflow.example.com"
    assert block["error"] == "cannot reach https://ml:***@mlflow.example.com/api/2.0"
    assert leaks(tmp_path) == []
