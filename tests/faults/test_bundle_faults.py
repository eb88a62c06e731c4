"""Bad input and faults around bundles (issue 26, items 1, 5 and 6; issue 23 part 6).

Each case goes through the real command line (``notebook_ops.cli.main``, in process: the same
code path and exit code as the ``notebook-ops`` command, without a process start per case) on
real projects, real exported bundles and real archives made in tmp folders. Each checks: one
line on stderr naming the file and the fix, the exit code, no traceback, the secret itself
never printed, nothing left behind (no output folder, no bundle cache, no staging) and the
user's files byte-identical. Case ids name their group (``g1-``: credentials, ``g5-``: archives,
``g6-``: verify, resources, staging) so cases can be counted per group.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import time
import zlib
from pathlib import Path

import pytest
import yaml

from nbfactory import make_notebook, write_notebook
from waiting import eventually
from notebook_ops.bundle.checksums import sha256_file
from notebook_ops.cli import main

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _isolate(monkeypatch, tmp_path):
    """Caches (the bundle cache) and tracking stores inside the test's folder."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    for name in ("SOURCE_DATE_EPOCH", "MLFLOW_TRACKING_URI", "NOTEBOOK_OPS_EVENTS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("NOTEBOOK_OPS_BUNDLE_MAX_MB", raising=False)
    monkeypatch.delenv("NOTEBOOK_OPS_BUNDLE_MAX_FILES", raising=False)


def cli(capsys, *args) -> tuple[int, str, str]:
    """``notebook-ops ARGS`` in this process: (exit code, stdout, stderr)."""
    capsys.readouterr()
    try:
        rc = main(list(map(str, args)))
    except SystemExit as exc:  # lint ends with sys.exit (as the real process does)
        rc = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    return rc, out, err


def one_line_error(err: str) -> str:
    text = err.strip()
    assert "Traceback" not in err, err
    assert text.startswith("error: ") and "\n" not in text, err
    return text


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (symlinks as their target path), for byte-identity checks."""
    out = {}
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root).as_posix()
        if rel == ".git" or rel.startswith(".git/"):  # git's own bookkeeping (its index cache)
            continue
        if p.is_symlink():
            out[rel] = b"-> " + os.readlink(p).encode()
        elif p.is_file():
            out[rel] = p.read_bytes()
    return out


def cache_entries(tmp_path: Path) -> list[str]:
    root = tmp_path / "cache" / "notebook-ops" / "bundles"
    return sorted(p.name for p in root.iterdir()) if root.is_dir() else []


def make_project(
    root: Path, files: dict[str, bytes | str], reads: list[str], settings=None, cells=()
) -> Path:
    """A project folder with ``files`` and a notebook whose step ``load`` reads ``reads``."""
    root.mkdir(parents=True, exist_ok=True)
    for rel, data in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data.encode() if isinstance(data, str) else data)
    code = "\n".join(f"f{i} = open({rel!r}, 'rb').read()" for i, rel in enumerate(reads)) or "f = 0"
    nb = make_notebook(
        [
            ("n = 1  # rows", ["parameters"]),
            (code, ["step:load"]),
            *cells,
            ("total = n + 1", ["step:report"]),
        ],
        {"notebook_ops": {"name": "proj", **(settings or {})}},
    )
    return write_notebook(root / "nb.ipynb", nb)


def export_args(nb: Path, out: Path) -> list:
    return ["export", nb, "-o", out, "--no-mlflow", "--target", "none"]


# --- g1: credentials are never shipped ------------------------------------------------------

# (id, project path, what the message says it is)
NAMED = [
    ("pgpass", ".pgpass", "PostgreSQL password file"),
    ("gcp-adc", "application_default_credentials.json", "application default credentials"),
    ("kubeconfig", "kubeconfig", "kubeconfig"),
    ("kubeconfig-suffix", "deploy/prod.kubeconfig", "kubeconfig"),
    ("kube-config", ".kube/config", "kubeconfig"),
    ("tfvars", "terraform.tfvars", "Terraform variables"),
    ("tfvars-json", "infra/prod.tfvars.json", "Terraform variables"),
    ("tfstate", "infra/terraform.tfstate", "Terraform state"),
    ("htpasswd", ".htpasswd", "htpasswd"),
    ("deploy-key", "data/deploy_key", "deploy key"),
    ("id-rsa", "keys/id_rsa", "SSH key"),
    ("id-ed25519", "keys/id_ed25519", "SSH key"),
    ("ovpn", "vpn/office.ovpn", "OpenVPN"),
    ("dockercfg", ".dockercfg", "Docker registry"),
    ("docker-config", ".docker/config.json", "Docker registry"),
    ("aws-credentials", ".aws/credentials", "AWS credentials"),
    ("boto", ".boto", "boto"),
    ("s3cfg", ".s3cfg", "s3cmd"),
    ("git-credentials", ".git-credentials", "git credentials"),
    ("secrets-yaml", "conf/secrets.yaml", "secrets file"),
    ("dotenv", ".env", "environment file"),
    ("dotenv-local", ".env.local", "environment file"),
    ("prod-env", "conf/prod.env", "environment file"),
    ("pem", "certs/server.pem", "PEM"),
    ("key", "certs/tls.key", "key file"),
    ("p12", "certs/client.p12", "key store"),
    ("jks", "certs/app.jks", "key store"),
    ("netrc", ".netrc", "netrc"),
    ("pypirc", ".pypirc", "PyPI"),
    ("npmrc", ".npmrc", "npm"),
    ("my-cnf", ".my.cnf", "MySQL"),
    ("gcp-service-account-name", "keys/service-account-prod.json", "service-account"),
    ("credentials-json", "credentials.json", "credentials file"),
    ("token-file", "api.token", "token file"),
    ("vault-token", ".vault-token", "Vault token"),
]

AWS_ID = "AKIA" + "Z7QK4TWR2MXJ5NHP"
AWS_SECRET = ("Jd8s" + "Kf93lQm2Zx7Vb5Nc1Rt6Yh0Pw4Ea9Ug3Io8Lk2Mn")[:40]  # as long as AWS makes them
PEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA7x" + "q" * 60 + "\n-----END RSA PRIVATE KEY-----\n"
OPENSSH = (
    "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjE"
    + "A" * 60
    + "\n-----END OPENSSH PRIVATE KEY-----\n"
)
JWT = (
    "eyJhbGciOiJIUzI1NiJ9"
    + ".eyJzdWIiOiJvcHMiLCJyb2xlIjoiYWRtaW4ifQ"
    + ".c2lnbmF0dXJlX2hlcmVfcmVhbGx5X2xvbmc"
)

# (id, project path, content, the secret that must never be printed, kind, line)
CONTENT = [
    (
        "aws-config-yaml",
        "data/config.yaml",
        f"region: eu-west-1\naws_secret_access_key: {AWS_SECRET}\n",
        AWS_SECRET,
        "AWS secret access key",
        2,
    ),
    ("aws-key-id-csv", "data/users.csv", f"name,key\nbob,{AWS_ID}\n", AWS_ID, "AWS access key id", 2),
    ("deploy-key-content", "data/handover.txt", "notes\n" + PEM, "MIIEpAIBAAKCAQEA7x", "private key", 2),
    ("openssh-key-content", "data/robot.txt", OPENSSH, "b3BlbnNzaC1rZXktdjE", "private key", 1),
    (
        "gcp-service-account",
        "data/sa.json",
        json.dumps({"type": "service_account", "project_id": "p", "private_key": "-----BEGIN-x"}, indent=1),
        "-----BEGIN-x",
        "service-account key",
        2,
    ),
    (
        "gcp-authorized-user",
        "data/adc.json",
        json.dumps(
            {"type": "authorized_user", "client_id": "c", "refresh_token": "1//0gRt" + "x" * 30}, indent=1
        ),
        "1//0gRt",
        "refresh token",
        2,
    ),
    ("github-token", "data/ci.txt", "token " + "ghp_" + "a1B2c3D4" * 5 + "\n", "ghp_a1B2", "GitHub token", 1),
    (
        "github-pat",
        "data/ci2.txt",
        "github_pat_" + "11ABCDEFG" * 8 + "\n",
        "github_pat_11",
        "GitHub token",
        1,
    ),
    ("gitlab-token", "data/gl.txt", "x\nglpat-" + "Zx9" * 8 + "\n", "glpat-Zx9", "GitLab token", 2),
    (
        "slack-token",
        "data/slack.txt",
        "xoxb-" + "1234567890-abcdefghij" + "\n",
        "xoxb-1234",
        "Slack token",
        1,
    ),
    (
        "slack-webhook",
        "data/hooks.txt",
        "https://hooks.slack.com/services/T0001/B0002/" + "q" * 24 + "\n",
        "qqqqqqqqqqqq",
        "Slack webhook",
        1,
    ),
    (
        "stripe-key",
        "data/pay.txt",
        "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc" + "\n",
        "4eC39HqLyj",
        "Stripe key",
        1,
    ),
    ("openai-key", "data/llm.txt", "\n\nsk-proj-" + "Q" * 40 + "\n", "sk-proj-QQQQ", "API key", 3),
    ("google-api-key", "data/maps.txt", "AIza" + "SyB" + "x" * 32 + "\n", "AIzaSyBxxx", "Google API key", 1),
    ("jwt", "data/session.txt", JWT + "\n", JWT, "JSON Web Token", 1),
    (
        "basic-auth-url",
        "data/sources.csv",
        "name,url\ndb,postgresql://etl:Hunter2pw@db.internal/prod\n",
        "Hunter2pw",
        "URL with a user name and password",
        2,
    ),
    (
        "yaml-password",
        "conf/db.yaml",
        "db:\n  host: db\n  password: Hunter2pw\n",
        "Hunter2pw",
        "'password'",
        3,
    ),
    (
        "ini-password",
        "conf/app.ini",
        "[db]\nuser = etl\npassword = Hunter2pw\n",
        "Hunter2pw",
        "'password'",
        3,
    ),
    (
        "json-password",
        "conf/app.json",
        '{\n "user": "etl",\n "db_password": "Hunter2pw"\n}\n',
        "Hunter2pw",
        "'db_password'",
        3,
    ),
    (
        "toml-secret-key",
        "conf/app.toml",
        'name = "x"\nsecret_key = "Hunter2pw"\n',
        "Hunter2pw",
        "'secret_key'",
        2,
    ),
    ("cfg-api-key", "conf/svc.cfg", "[svc]\napi_key: Hunter2pw\n", "Hunter2pw", "'api_key'", 2),
    ("properties-token", "conf/app.properties", "auth_token=Hunter2pw\n", "Hunter2pw", "'auth_token'", 1),
]


def _refused(capsys, tmp_path, nb: Path) -> str:
    root = nb.parent
    before = snapshot(root)
    rc, out, err = cli(capsys, *export_args(nb, tmp_path / "dist"))
    assert rc == 1, (out, err)
    line = one_line_error(err)
    assert not (tmp_path / "dist").exists()  # refused before anything was written
    assert snapshot(root) == before
    assert "allow_secrets" in line and "a bundle never ships credentials" in line
    return line


@pytest.mark.parametrize(
    ("rel", "kind"), [c[1:] for c in NAMED], ids=[f"g1-credential-{c[0]}" for c in NAMED]
)
def test_credential_files_are_refused_by_name(capsys, tmp_path, rel, kind):
    nb = make_project(
        tmp_path / "proj", {rel: "placeholder\n", "data/train.csv": "x\n1\n"}, [rel, "data/train.csv"]
    )
    line = _refused(capsys, tmp_path, nb)
    assert f"{rel} is " in line and kind in line and "(by its name)" in line, line
    assert f'"exclude": ["{rel}"]' in line and "step load" in line, line


@pytest.mark.parametrize(
    ("rel", "content", "secret", "kind", "line_no"),
    [c[1:] for c in CONTENT],
    ids=[f"g1-credential-{c[0]}" for c in CONTENT],
)
def test_credentials_are_refused_by_content(capsys, tmp_path, rel, content, secret, kind, line_no):
    nb = make_project(tmp_path / "proj", {rel: content}, [rel])
    line = _refused(capsys, tmp_path, nb)
    assert f"{rel} holds " in line and kind in line and f"(line {line_no})" in line, line
    assert secret not in line


@pytest.mark.parametrize("case", ["g1-credential-in-local-module"])
def test_credential_in_a_local_module_is_refused_naming_the_step(case, capsys, tmp_path):
    token = "ghp_" + "Zq8x" * 10
    nb = make_project(
        tmp_path / "proj",
        {"helpers.py": f"TOKEN = {token!r}\n\n\ndef double(x):\n    return 2 * x\n"},
        [],
        cells=[("from helpers import double\ntwice = double(n)", ["step:use", "after:load"])],
    )
    line = _refused(capsys, tmp_path, nb)
    assert "helpers.py holds a GitHub token (line 1)" in line and "step use" in line, line
    assert "read the secret from the environment" in line and token not in line


SAFE = [
    (
        "placeholders",
        "conf/app.yaml",
        "password: ${DB_PASSWORD}\napi_key: <your key>\ntoken: changeme\ntokenizer: bert\nmax_tokens: 512\n"
        "author: ops\npassword_min_length: 12\nsecret_name: prod-db\n",
    ),
    ("env-references", "conf/app.toml", 'password = ""\ntoken = "{{ token }}"\nsecret = "$SECRET"\n'),
    (
        "url-without-password",
        "data/sources.csv",
        "url\nhttps://ops@example.com/x\npostgres://etl:${PW}@db/prod\n",
    ),
    ("binary-with-key-bytes", "data/model.bin", b"\x00\x01binary" + AWS_ID.encode() + b"\x00" * 64),
    ("plain-data", "data/train.csv", "x,y\n1,2\n3,4\n"),
]


@pytest.mark.parametrize(
    ("rel", "content"), [c[1:] for c in SAFE], ids=[f"g1-no-credential-{c[0]}" for c in SAFE]
)
def test_files_without_credentials_ship(capsys, tmp_path, rel, content):
    nb = make_project(tmp_path / "proj", {rel: content}, [rel])
    rc, out, err = cli(capsys, *export_args(nb, tmp_path / "dist"))
    assert rc == 0, err
    shipped = tmp_path / "dist" / "proj-v1" / "assets" / rel
    assert shipped.read_bytes() == (nb.parent / rel).read_bytes()


@pytest.mark.parametrize("case", ["g1-allow-secrets-false-positive"])
def test_allow_secrets_ships_a_false_positive(case, capsys, tmp_path):
    files = {"data/fixture.yaml": "password: not-a-real-one\n", ".pgpass": "fixture\n"}
    nb = make_project(
        tmp_path / "proj",
        files,
        list(files),
        settings={"assets": {"allow_secrets": ["data/fixture.yaml", ".pgpass"]}},
    )
    rc, out, err = cli(capsys, *export_args(nb, tmp_path / "dist"))
    assert rc == 0, err
    for rel in files:
        assert (tmp_path / "dist" / "proj-v1" / "assets" / rel).is_file()
    assert cli(capsys, "verify", tmp_path / "dist" / "proj-v1.tar.gz")[0] == 0


@pytest.mark.parametrize("case", ["g1-exclude-credential-file"])
def test_exclude_leaves_a_credential_file_out(case, capsys, tmp_path):
    files = {"data/config.yaml": f"aws_secret_access_key: {AWS_SECRET}\n", "data/train.csv": "x\n1\n"}
    nb = make_project(
        tmp_path / "proj", files, list(files), settings={"assets": {"exclude": ["data/config.yaml"]}}
    )
    rc, out, err = cli(capsys, *export_args(nb, tmp_path / "dist"))
    assert rc == 0, err
    folder = tmp_path / "dist" / "proj-v1"
    assert (folder / "assets" / "data" / "train.csv").is_file()
    assert not (folder / "assets" / "data" / "config.yaml").exists()
    assert not any(AWS_SECRET.encode() in p.read_bytes() for p in folder.rglob("*") if p.is_file())


@pytest.mark.parametrize("case", ["g1-allow-secrets-setting-valid"])
def test_lint_accepts_the_allow_secrets_setting(case, capsys, tmp_path):
    nb = make_project(tmp_path / "proj", {}, [], settings={"assets": {"allow_secrets": ["data/*.yaml"]}})
    rc, out, err = cli(capsys, "lint", nb)
    assert rc == 0 and "invalid-settings" not in out + err


# --- a real bundle to break ------------------------------------------------------------------


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """An exported bundle (folder and archive) of a small project carrying a data file."""
    root = tmp_path_factory.mktemp("base")
    nb = make_project(root / "proj", {"data/train.csv": "x\n1\n2\n"}, ["data/train.csv"])
    from notebook_ops.bundle import export_notebook

    r = export_notebook(nb, out_dir=root / "dist", track=False, target_names=[])
    return r.folder, r.archive


def _members(folder: Path) -> list[tuple[tarfile.TarInfo, bytes | None]]:
    """The archive's entries as export packs them: the folder, then its files, sorted."""
    with tarfile.open(folder.with_name(folder.name + ".tar.gz"), "r:gz") as tar:
        return [(m, tar.extractfile(m).read() if m.isfile() else None) for m in tar.getmembers()]


def _pack(dest: Path, entries, level=6) -> Path:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for info, data in entries:
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    dest.write_bytes(zlib_gzip(raw.getvalue(), level))
    return dest


def zlib_gzip(data: bytes, level=6) -> bytes:
    c = zlib.compressobj(level, zlib.DEFLATED, 31)
    return c.compress(data) + c.flush()


def _info(name: str, kind=tarfile.REGTYPE, size=0, link="") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.size, info.linkname, info.mode = kind, size, link, 0o644
    return info


def _with_sums_line(entries, line: str):
    """The entries with ``line`` added to SHA256SUMS."""
    out = []
    for info, data in entries:
        if info.name.endswith("/SHA256SUMS"):
            data = data + line.encode()
            info = _info(info.name, size=len(data))
        out.append((info, data))
    return out


def _insert_after_sums(entries, extra):
    i = next(n for n, (info, _) in enumerate(entries) if info.name.endswith("/SHA256SUMS"))
    return entries[: i + 1] + list(extra) + entries[i + 1 :]


@pytest.fixture(scope="module")
def bomb(base, tmp_path_factory) -> Path:
    """A real archive bomb: the bundle plus 1 GiB of zeros (listed in SHA256SUMS), a few MB packed.

    Streamed into gzip without ever holding the gigabyte in memory."""
    folder, _ = base
    size = 1 << 30
    entries = _with_sums_line(_members(folder), f"{'0' * 64}  assets/zeros.bin\n")
    i = next(n for n, (info, _) in enumerate(entries) if info.name.endswith("/SHA256SUMS"))
    head, tail = entries[: i + 1], entries[i + 1 :]
    dest = tmp_path_factory.mktemp("bomb") / f"{folder.name}.tar.gz"
    c = zlib.compressobj(1, zlib.DEFLATED, 31)
    with open(dest, "wb") as f:

        def tar_bytes(items) -> bytes:
            raw = io.BytesIO()
            tar = tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT)
            for info, data in items:
                tar.addfile(info, io.BytesIO(data) if data is not None else None)
            return raw.getvalue()  # not closed: no end-of-archive blocks yet

        f.write(c.compress(tar_bytes(head)))
        f.write(c.compress(_info(f"{folder.name}/assets/zeros.bin", size=size).tobuf(tarfile.PAX_FORMAT)))
        zeros = bytes(1 << 20)
        for _ in range(size >> 20):
            f.write(c.compress(zeros))
        rest = io.BytesIO()
        with tarfile.open(fileobj=rest, mode="w", format=tarfile.PAX_FORMAT) as tar:
            for info, data in tail:
                tar.addfile(info, io.BytesIO(data) if data is not None else None)
        f.write(c.compress(rest.getvalue()))
        f.write(c.flush())
    assert dest.stat().st_size < 8_000_000
    return dest


def _top(folder: Path) -> str:
    return folder.name


ARCHIVE_FAULTS = {
    "malformed-sums-member": lambda e, top: [
        (_info(i.name, size=len(d) + 9), d + b"nonsense\n") if i.name.endswith("/SHA256SUMS") else (i, d)
        for i, d in e
    ],
    "symlink-member": lambda e, top: _insert_after_sums(
        e, [(_info(f"{top}/assets/evil", tarfile.SYMTYPE, link="/etc/passwd"), None)]
    ),
    "hardlink-member": lambda e, top: _insert_after_sums(
        e, [(_info(f"{top}/assets/evil", tarfile.LNKTYPE, link="/etc/passwd"), None)]
    ),
    "device-member": lambda e, top: _insert_after_sums(
        e, [(_info(f"{top}/assets/dev", tarfile.CHRTYPE), None)]
    ),
    "fifo-member": lambda e, top: _insert_after_sums(
        e, [(_info(f"{top}/assets/fifo", tarfile.FIFOTYPE), None)]
    ),
    "absolute-member": lambda e, top: e[:1] + [(_info("/tmp/nbo-evil.txt", size=4), b"evil")] + e[1:],
    "dotdot-member": lambda e, top: e[:1] + [(_info(f"{top}/../nbo-evil.txt", size=4), b"evil")] + e[1:],
    "backslash-member": lambda e, top: e[:1] + [(_info(f"{top}/..\\..\\evil.txt", size=4), b"evil")] + e[1:],
    "second-top-folder": lambda e, top: e + [(_info("other/README.md", size=2), b"hi")],
    "duplicate-member": lambda e, top: e + [e[-1]],
    "unlisted-member": lambda e, top: _insert_after_sums(
        e, [(_info(f"{top}/assets/extra.bin", size=3), b"abc")]
    ),
}


def _break_and_check(capsys, tmp_path, bad: Path, expect: str, top: str):
    before = bad.read_bytes()
    rc, out, err = cli(capsys, "verify", bad)
    assert rc == 1, (out, err)
    line = one_line_error(err)
    assert str(bad) in line and expect in line, line
    rc, out, err = cli(capsys, "run-step", bad, "load", "--data", tmp_path / "store")
    assert rc == 2, (out, err)  # bad input: an orchestrator does not retry it
    assert expect in one_line_error(err)
    assert cache_entries(tmp_path) == []  # nothing extracted stays in the bundle cache
    assert not (tmp_path / "nbo-evil.txt").exists() and not Path("/tmp/nbo-evil.txt").exists()
    assert bad.read_bytes() == before


@pytest.mark.parametrize(
    "fault", sorted(ARCHIVE_FAULTS), ids=[f"g5-archive-{f}" for f in sorted(ARCHIVE_FAULTS)]
)
def test_archive_faults_are_refused(capsys, tmp_path, base, fault):
    folder, _ = base
    expect = {
        "symlink-member": "is a link or device",
        "hardlink-member": "is a link or device",
        "device-member": "is a link or device",
        "fifo-member": "is a link or device",
        "absolute-member": "unsafe entry",
        "dotdot-member": "unsafe entry",
        "backslash-member": "unsafe entry",
        "second-top-folder": "exactly one top folder",
        "duplicate-member": "appears twice",
        "unlisted-member": "is not in SHA256SUMS",
        "malformed-sums-member": "SHA256SUMS: line",
    }[fault]
    bad = _pack(tmp_path / f"{folder.name}.tar.gz", ARCHIVE_FAULTS[fault](_members(folder), folder.name))
    _break_and_check(capsys, tmp_path, bad, expect, folder.name)


@pytest.mark.parametrize("case", ["g5-archive-bomb-1gib-zeros"])
def test_archive_bomb_is_refused_before_it_is_unpacked(case, capsys, tmp_path, base, bomb):
    """1 GiB of zeros in a few MB: refused on the entry's header (its declared size), so the
    gigabyte is never decompressed nor written; nothing stays in the cache."""
    _break_and_check(capsys, tmp_path, bomb, "refused before unpacking it all", base[0].name)
    assert shutil.disk_usage(tmp_path).used >= 0  # the tmp folder holds only the test's files:
    assert sum(p.stat().st_size for p in tmp_path.rglob("*") if p.is_file()) < 1_000_000


@pytest.mark.parametrize(
    ("env", "expect"),
    [
        ("NOTEBOOK_OPS_BUNDLE_MAX_FILES", "more than 5 entries"),
        ("NOTEBOOK_OPS_BUNDLE_MAX_MB", "more than 1 MB"),
    ],
    ids=["g5-archive-too-many-members", "g5-archive-over-size-cap"],
)
def test_archive_limits_are_configurable(capsys, tmp_path, base, monkeypatch, env, expect):
    folder, _ = base
    entries = _members(folder)
    if env.endswith("_MB"):  # a listed 2 MB file: only the cap refuses it
        data = os.urandom(2_000_000)
        entries = _insert_after_sums(
            _with_sums_line(entries, f"{'0' * 64}  assets/big.bin\n"),
            [(_info(f"{folder.name}/assets/big.bin", size=len(data)), data)],
        )
    bad = _pack(tmp_path / f"{folder.name}.tar.gz", entries)
    monkeypatch.setenv(env, "5" if env.endswith("FILES") else "1")
    _break_and_check(capsys, tmp_path, bad, expect, folder.name)


@pytest.mark.parametrize(
    "damage",
    ["truncated-half", "truncated-tail", "not-gzip", "empty", "gzip-of-garbage", "flipped-byte"],
    ids=lambda d: f"g5-archive-{d}",
)
def test_damaged_archives_are_refused(capsys, tmp_path, base, damage):
    folder, archive = base
    data = archive.read_bytes()
    bad = tmp_path / archive.name
    bad.write_bytes(
        {
            "truncated-half": data[: len(data) // 2],
            "truncated-tail": data[:-9],
            "not-gzip": b"this is not an archive\n",
            "empty": b"",
            "gzip-of-garbage": zlib_gzip(b"\x07" * 5000),
            "flipped-byte": data[:200] + bytes([data[200] ^ 0xFF]) + data[201:],
        }[damage]
    )
    # a flipped byte may also decode to an entry that is refused for what it is: any one line
    expect = "damaged or truncated" if damage not in ("empty", "flipped-byte") else ""
    _break_and_check(capsys, tmp_path, bad, expect, folder.name)


@pytest.mark.parametrize("case", ["g5-archive-truncated-rewritten-on-re-export"])
def test_a_truncated_archive_is_written_again_on_re_export(case, capsys, tmp_path):
    nb = make_project(tmp_path / "proj", {"data/train.csv": "x\n1\n"}, ["data/train.csv"])
    assert cli(capsys, *export_args(nb, tmp_path / "dist"))[0] == 0
    archive = tmp_path / "dist" / "proj-v1.tar.gz"
    good = archive.read_bytes()
    archive.write_bytes(good[: len(good) // 3])
    rc, out, err = cli(capsys, *export_args(nb, tmp_path / "dist"))
    assert rc == 0 and "unchanged, same version" in out and "written again" in err, (out, err)
    assert archive.read_bytes() == good  # reproducible: the same bytes as the first export
    assert cli(capsys, "verify", archive)[0] == 0


# --- g6: verify refuses paths outside the bundle ---------------------------------------------


def _resum(folder: Path, rel: str) -> None:
    """Re-sum ``rel`` in SHA256SUMS (a forger's bundle: only the fault under test is left)."""
    sums = folder / "SHA256SUMS"
    lines = [ln for ln in sums.read_text().splitlines() if not ln.endswith(f"  {rel}")]
    lines.append(f"{sha256_file(folder / rel)}  {rel}")
    sums.write_text("\n".join(sorted(lines, key=lambda ln: ln.split("  ", 1)[1])) + "\n")


def _edit_manifest(folder: Path, change) -> None:
    path = folder / "pipeline.yaml"
    m = yaml.safe_load(path.read_text())
    change(m)
    path.write_text(yaml.safe_dump(m, sort_keys=False))
    _resum(folder, "pipeline.yaml")


def _outside(folder: Path) -> Path:
    p = folder.parent / "outside.txt"
    p.write_text("outside the bundle\n")
    return p


def _sums_absolute(folder):
    p = _outside(folder)
    with open(folder / "SHA256SUMS", "a") as f:
        f.write(f"{sha256_file(p)}  {p}\n")


def _sums_dotdot(folder):
    p = _outside(folder)
    with open(folder / "SHA256SUMS", "a") as f:
        f.write(f"{sha256_file(p)}  ../outside.txt\n")


def _symlink_file(folder):
    copy = folder.parent / "README.copy"
    shutil.copyfile(folder / "README.md", copy)
    (folder / "README.md").unlink()
    (folder / "README.md").symlink_to(copy)


def _symlink_dir(folder):
    copy = folder.parent / "steps.copy"
    shutil.copytree(folder / "steps", copy)
    shutil.rmtree(folder / "steps")
    (folder / "steps").symlink_to(copy, target_is_directory=True)


def _step(m, name):
    return next(s for s in m["steps"] if s["name"] == name)


VERIFY_FAULTS = {
    "sums-absolute-path": (_sums_absolute, "outside the bundle"),
    "sums-dotdot-path": (_sums_dotdot, "outside the bundle"),
    "symlinked-file": (_symlink_file, "symlink"),
    "symlinked-folder": (_symlink_dir, "symlink"),
    "tampered-file": (lambda f: (f / "README.md").write_text("changed\n"), "checksum mismatch"),
    "missing-file": (lambda f: (f / "README.md").unlink(), "missing"),
    "added-file": (lambda f: (f / "extra.txt").write_text("x\n"), "not in SHA256SUMS"),
    "malformed-sums": (lambda f: open(f / "SHA256SUMS", "a").write("nonsense\n"), "malformed"),
    "manifest-asset-dotdot": (
        lambda f: _edit_manifest(f, lambda m: m["files"]["assets"][0].update(path="../../etc/passwd")),
        "files.assets[0].path",
    ),
    "manifest-notebook-dir-absolute": (
        lambda f: _edit_manifest(f, lambda m: m["files"].update(notebook_dir="/etc")),
        "files.notebook_dir",
    ),
    "manifest-code-root-dotdot": (
        lambda f: _edit_manifest(f, lambda m: m["files"].update(code_roots=["../.."])),
        "files.code_roots[0]",
    ),
    "manifest-step-assets-dotdot": (
        lambda f: _edit_manifest(f, lambda m: _step(m, "load").update(assets=["../../x.csv"])),
        "steps.load.assets",
    ),
    "manifest-files-in-dotdot": (
        lambda f: _edit_manifest(f, lambda m: _step(m, "report").update(files_in={"../../x": "load"})),
        "steps.report.files",
    ),
    "manifest-external-dotdot": (
        lambda f: _edit_manifest(
            f,
            lambda m: m["files"].update(
                external=[{"path": "../../x", "parameter": "asset_x", "url": "file:///x"}]
            ),
        ),
        "files.external[0].path",
    ),
    "manifest-not-yaml": (
        lambda f: ((f / "pipeline.yaml").write_text("a: [\n"), _resum(f, "pipeline.yaml")),
        "not valid YAML",
    ),
}


@pytest.mark.parametrize(
    "fault", sorted(VERIFY_FAULTS), ids=[f"g6-verify-{f}" for f in sorted(VERIFY_FAULTS)]
)
def test_verify_faults_are_refused_naming_the_entry(capsys, tmp_path, base, fault):
    folder = tmp_path / "b" / base[0].name
    shutil.copytree(base[0], folder)
    damage, expect = VERIFY_FAULTS[fault]
    damage(folder)
    before = snapshot(folder.parent)
    rc, out, err = cli(capsys, "verify", folder)
    assert rc == 1, (out, err)
    line = one_line_error(err)
    assert expect in line and str(folder) in line, line
    rc, out, err = cli(capsys, "run-step", folder, "load", "--data", tmp_path / "store")
    assert rc == 2, (out, err)
    assert expect in one_line_error(err)
    assert not (tmp_path / "store").exists()
    assert snapshot(folder.parent) == before


# --- g6: step resources ------------------------------------------------------------------------

RESOURCES = [
    ("memory-lots", {"resources": {"memory": "lots"}}, [], "resources.memory is 'lots'"),
    ("memory-with-space", {"resources": {"memory": "2 GB"}}, [], "resources.memory is '2 GB'"),
    ("memory-empty", {"resources": {"memory": ""}}, [], "resources.memory is ''"),
    ("cpu-many", {"resources": {"cpu": "many"}}, [], "resources.cpu is 'many'"),
    ("cpu-zero", {"resources": {"cpu": 0}}, [], "resources.cpu is 0"),
    ("cpu-negative", {"resources": {"cpu": -1}}, [], "resources.cpu is -1"),
    ("kale-memory-lots", {}, ["limit:memory:lots"], "resources.memory is 'lots'"),
    ("kale-cpu-many", {}, ["limit:cpu:many"], "resources.cpu is 'many'"),
    ("kale-gpu-negative", {}, ["limit:nvidia.com/gpu:-1"], "resources.gpu is -1"),
]


def _resources_notebook(tmp_path, options, tags) -> Path:
    root = tmp_path / "res"
    root.mkdir()
    nb = make_notebook(
        [("n = 1", ["parameters"]), ("a = n + 1", ["step:train", *tags]), ("b = a * 2", ["step:score"])],
        {"notebook_ops": {"name": "res", "steps": {"train": options}} if options else {"name": "res"}},
    )
    return write_notebook(root / "nb.ipynb", nb)


@pytest.mark.parametrize(
    ("options", "tags", "expect"), [r[1:] for r in RESOURCES], ids=[f"g6-resources-{r[0]}" for r in RESOURCES]
)
def test_unreadable_resources_are_refused_at_lint_and_export(capsys, tmp_path, options, tags, expect):
    nb = _resources_notebook(tmp_path, options, tags)
    before = nb.read_bytes()
    rc, out, err = cli(capsys, "lint", nb)
    assert rc == 1 and "Traceback" not in out + err
    lines = [ln for ln in (out + err).splitlines() if "invalid-resources" in ln]
    assert len(lines) == 1 and expect in lines[0] and "step train" in lines[0] and "expected" in lines[0], (
        out + err
    )
    rc, out, err = cli(capsys, *export_args(nb, tmp_path / "dist"))
    assert rc == 1 and expect in one_line_error(err)
    assert not (tmp_path / "dist").exists() and nb.read_bytes() == before


@pytest.mark.parametrize("case", ["g6-resources-quantities-accepted"])
def test_kubernetes_quantities_are_accepted(case, capsys, tmp_path):
    nb = _resources_notebook(tmp_path, {"resources": {"cpu": "500m", "memory": "2Gi", "gpu": 1}}, [])
    rc, out, err = cli(capsys, "lint", nb)
    assert rc == 0 and "invalid-resources" not in out + err


# --- g6: what killed exports leave -------------------------------------------------------------


def _export_once(capsys, tmp_path) -> tuple[Path, Path]:
    nb = make_project(tmp_path / "proj", {"data/train.csv": "x\n1\n"}, ["data/train.csv"])
    assert cli(capsys, *export_args(nb, tmp_path / "dist"))[0] == 0
    return nb, tmp_path / "dist"


def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


@pytest.mark.parametrize(
    "leftover",
    [
        "staging-of-a-dead-export",
        "archive-part-of-a-dead-export",
        "old-copy-of-a-dead-export",
        "old-style-staging",
    ],
    ids=lambda x: f"g6-staging-{x}",
)
def test_the_next_export_removes_what_a_killed_export_left(capsys, tmp_path, leftover):
    nb, out = _export_once(capsys, tmp_path)
    pid = _dead_pid()
    name = {
        "staging-of-a-dead-export": f".proj-v2.staging-{pid}-abc123",
        "archive-part-of-a-dead-export": f".proj-v2.tar.gz.part-{pid}",
        "old-copy-of-a-dead-export": f".proj-v1.old-{pid}",
        "old-style-staging": ".proj-v1.k3j4h5g6",
    }[leftover]
    stale = out / name
    if "part" in name:
        stale.write_bytes(os.urandom(1000))
    else:
        shutil.copytree(out / "proj-v1", stale)
    if leftover == "old-style-staging":
        os.utime(stale, (time.time() - 7200, time.time() - 7200))
    (nb.parent / "data" / "train.csv").write_text("x\n2\n")  # a new version
    rc, o, err = cli(capsys, *export_args(nb, out))
    assert rc == 0, err
    assert sorted(p.name for p in out.iterdir()) == ["proj-v1", "proj-v1.tar.gz", "proj-v2", "proj-v2.tar.gz"]


@pytest.mark.parametrize("case", ["g6-staging-live-export-left-alone"])
def test_a_live_exports_staging_is_left_alone(case, capsys, tmp_path):
    nb, out = _export_once(capsys, tmp_path)
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        names = [f".proj-v2.staging-{live.pid}-abc123", ".proj-v1.k3j4h5g6"]  # live pid; young old-style
        for n in names:
            (out / n).mkdir()
        assert cli(capsys, *export_args(nb, out))[0] == 0
        assert all((out / n).is_dir() for n in names)
    finally:
        live.kill()
        live.wait()


@pytest.mark.parametrize("case", ["g6-staging-sigkilled-export"])
def test_a_sigkilled_export_leaves_nothing_after_the_next_export(case, tmp_path):
    """A real export process killed (SIGKILL) while it writes its staging folder and archive."""
    nb = make_project(
        tmp_path / "proj",
        {"data/big.bin": os.urandom(60_000_000), "data/train.csv": "x\n1\n"},
        ["data/big.bin"],
        settings={"bundle": {"max_asset_mb": 200}},
    )
    out = tmp_path / "dist"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    args = [sys.executable, "-m", "notebook_ops", *map(str, export_args(nb, out))]
    proc = subprocess.Popen(
        args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )

    def staging() -> bool:
        if any(p.name.startswith(".proj-v1.") for p in out.glob(".*")):
            return True
        assert proc.poll() is None, "the export finished before it could be killed"
        return False

    eventually(staging, timeout=240, interval=0.02, what="the export's staging folder")
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    left = [p.name for p in out.glob(".proj-v1.*")]
    assert left, "the export finished before it could be killed"
    r = subprocess.run(args, env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in out.iterdir()) == ["proj-v1", "proj-v1.tar.gz"]


@pytest.mark.parametrize("case", ["g5-archive-killed-extraction-staging"])
def test_what_a_killed_extraction_left_in_the_cache_is_removed(case, tmp_path, base):
    """An extraction killed mid-way leaves ``.extract-<pid>-*`` in the bundle cache; the next
    load removes it (its process is gone) and leaves a live one's alone."""
    from notebook_ops.bundle.load import cache_root, open_bundle

    root = cache_root()
    dead, live = root / f".extract-{_dead_pid()}-k3j4h5g6", root / f".extract-{os.getpid()}-a1b2c3d4"
    for p in (dead, live):
        shutil.copytree(base[0], p / base[0].name)
    b = open_bundle(base[1])
    assert b.manifest["name"] == "proj" and not dead.exists() and live.is_dir()
    assert sorted(p.name for p in root.iterdir()) == sorted([live.name, b.folder.parent.name])


@pytest.mark.parametrize(
    ("rel", "content", "expect"),
    [
        (
            "config.yaml",
            f"aws_secret_access_key: {AWS_SECRET}\n",
            "mypkg/config.yaml holds an AWS secret access key (line 1)",
        ),
        (".pgpass", "db:5432:*:etl:pw\n", "mypkg/.pgpass is a PostgreSQL password file"),
    ],
    ids=["g1-credential-in-editable-package-content", "g1-credential-in-editable-package-name"],
)
def test_credentials_in_an_editable_package_are_refused(capsys, tmp_path, monkeypatch, rel, content, expect):
    """A project installed with pip install -e ships as a wheel of its package folders: scanned too."""
    monkeypatch.syspath_prepend(str(REPO / "tests" / "bundle"))
    from bundlekit import commit_all
    from projectkit import make_editable_project

    nb, site = make_editable_project(tmp_path)
    monkeypatch.syspath_prepend(str(site))
    (nb.parent / "src" / "mypkg" / rel).write_text(content)
    commit_all(nb.parent, "a credential in the package")
    before = snapshot(nb.parent)
    rc, out, err = cli(capsys, *export_args(nb, tmp_path / "dist"))
    assert rc == 1, (out, err)
    line = one_line_error(err)
    assert expect in line and "read the secret from the environment" in line and AWS_SECRET not in line, line
    assert not (tmp_path / "dist").exists() and snapshot(nb.parent) == before


@pytest.mark.parametrize("case", ["g6-staging-version-moved-aside-is-put-back"])
def test_a_version_a_killed_export_moved_aside_is_put_back(case, capsys, tmp_path):
    """Killed between moving ``proj-v1`` aside and putting its rewrite in place: the next export
    puts the old folder back rather than deleting the only copy."""
    nb, out = _export_once(capsys, tmp_path)
    files = snapshot(out / "proj-v1")
    os.replace(out / "proj-v1", out / f".proj-v1.old-{_dead_pid()}")
    (nb.parent / "data" / "train.csv").write_text("x\n2\n")  # a new version
    assert cli(capsys, *export_args(nb, out))[0] == 0
    assert sorted(p.name for p in out.iterdir()) == ["proj-v1", "proj-v1.tar.gz", "proj-v2", "proj-v2.tar.gz"]
    assert snapshot(out / "proj-v1") == files
