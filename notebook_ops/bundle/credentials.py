"""What a credential looks like: by a file's name and by its content.

Pure detection, no policy (``secrets`` decides what is refused). A finding names the kind of
credential and the line it is on, never the secret itself. Content is read cheaply: the first
``SCAN_BYTES`` of a file, and a file whose first block holds a NUL byte (parquet, pickles,
images) is binary and not read further.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

SCAN_BYTES = 8 << 20  # a credential sits near the top of a config file; data files are capped
CONFIG_SCAN_CHARS = 2 << 20  # ``key: value`` lines are checked in a config file's first 2 MB

# (glob on the file name, or on the path's tail when it holds a "/", what it is)
SECRET_FILE_NAMES: tuple[tuple[str, str], ...] = (
    (".env", "an environment file"),
    (".env.*", "an environment file"),
    ("*.env", "an environment file"),
    ("*.pem", "a PEM key or certificate file"),
    ("*.key", "a key file"),
    ("*.ppk", "a PuTTY private key"),
    ("id_rsa*", "an SSH key"),
    ("id_dsa*", "an SSH key"),
    ("id_ecdsa*", "an SSH key"),
    ("id_ed25519*", "an SSH key"),
    ("deploy_key", "an SSH deploy key"),
    ("*_deploy_key", "an SSH deploy key"),
    ("deploy_key.*", "an SSH deploy key"),
    ("*.p12", "a key store"),
    ("*.pfx", "a key store"),
    ("*.jks", "a key store"),
    ("*.keystore", "a key store"),
    ("*.kdbx", "a password database"),
    (".netrc", "a netrc password file"),
    ("_netrc", "a netrc password file"),
    (".pgpass", "a PostgreSQL password file"),
    (".my.cnf", "a MySQL client config with a password"),
    (".htpasswd", "an htpasswd password file"),
    (".pypirc", "a PyPI credentials file"),
    (".npmrc", "an npm credentials file"),
    (".git-credentials", "a git credentials file"),
    (".dockercfg", "a Docker registry credentials file"),
    (".docker/config.json", "a Docker registry credentials file"),
    (".boto", "a boto credentials file"),
    (".s3cfg", "an s3cmd credentials file"),
    (".aws/credentials", "an AWS credentials file"),
    (".vault-token", "a Vault token"),
    (".terraformrc", "a Terraform credentials file"),
    ("terraform.rc", "a Terraform credentials file"),
    ("*.tfvars", "Terraform variables (often secrets)"),
    ("*.tfvars.json", "Terraform variables (often secrets)"),
    ("*.tfstate", "Terraform state (holds secrets in clear)"),
    ("*.tfstate.backup", "Terraform state (holds secrets in clear)"),
    ("kubeconfig", "a Kubernetes kubeconfig"),
    ("*.kubeconfig", "a Kubernetes kubeconfig"),
    (".kube/config", "a Kubernetes kubeconfig"),
    ("*.ovpn", "an OpenVPN profile (holds keys)"),
    ("application_default_credentials.json", "Google Cloud application default credentials"),
    ("service-account*.json", "a Google Cloud service-account key"),
    ("credentials", "a credentials file"),
    ("credentials.json", "a credentials file"),
    ("*.token", "a token file"),
    ("secrets.*", "a secrets file"),
)

# Found anywhere in a text file (code, data, config): (kind, literal triggers, pattern, whether
# the match must start a word). A pattern runs only when one of its triggers is in the text
# (``str.find`` is fast, a regex over megabytes is not), and each starts with its literal so the
# regex engine skips ahead to it; the word boundary is checked on the match, not in the regex.
_STRONG: tuple[tuple[str, tuple[str, ...], re.Pattern, bool], ...] = (
    (
        "a private key (PEM block)",
        ("PRIVATE KEY-----",),
        re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"),
        False,
    ),
    (
        "an AWS access key id",
        ("AKIA", "ASIA", "ABIA", "ACCA"),
        re.compile(r"A(?:KIA|SIA|BIA|CCA)[0-9A-Z]{16}(?![0-9A-Za-z])"),
        True,
    ),
    (
        "an AWS secret access key",
        ("secret",),
        re.compile(
            r"(?i)aws_?secret_?(?:access_?)?key[\"']?\s*[:=]\s*[\"']?[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+])"
        ),
        False,
    ),
    (
        "a GitHub token",
        ("gh", "github_pat_"),
        re.compile(r"g(?:h[pousr]_[A-Za-z0-9]{30,}|ithub_pat_[A-Za-z0-9_]{40,})"),
        True,
    ),
    ("a GitLab token", ("glpat-",), re.compile(r"glpat-[A-Za-z0-9_-]{20,}"), True),
    ("a Slack token", ("xox",), re.compile(r"xox[abposr]-[A-Za-z0-9-]{10,}"), True),
    (
        "a Slack webhook URL",
        ("hooks.slack.com",),
        re.compile(r"hooks\.slack\.com/services/T[A-Za-z0-9_]+/B[A-Za-z0-9_]+/\w+"),
        False,
    ),
    ("a Stripe key", ("k_live_", "k_test_"), re.compile(r"[rs]k_(?:live|test)_[A-Za-z0-9]{16,}"), True),
    ("an API key (sk-...)", ("sk-",), re.compile(r"sk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,}"), True),
    ("a Google API key", ("AIza",), re.compile(r"AIza[0-9A-Za-z_-]{35}"), True),
    (
        "a JSON Web Token",
        ("eyJ",),
        re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
        True,
    ),
    (
        "a URL with a user name and password",
        ("://",),
        re.compile(r"://[^\s:/@'\"<>{}$%*]+:[^\s/@'\"<>{}$%*]+@[\w.-]+"),
        False,
    ),
)
# the words an assignment's key ends in (found with str.find in the lower-cased text first)
_KEY_WORDS = ("passw", "secret", "token", "api", "access", "private", "credential")

_SERVICE_ACCOUNT = re.compile(r"\"type\"\s*:\s*\"service_account\"")
_PRIVATE_KEY_FIELD = re.compile(r"\"private_key\"\s*:\s*\"[^\"]")
_AUTHORIZED_USER = re.compile(r"\"type\"\s*:\s*\"authorized_user\"")
_REFRESH_TOKEN_FIELD = re.compile(r"\"refresh_token\"\s*:\s*\"[^\"]")

# ``password = "..."`` in config files: a key ending in a secret's name (db_password, api_key,
# not token_url), a non-empty literal value (not a placeholder, a reference or a number).
CONFIG_SUFFIXES = frozenset(
    (".yaml", ".yml", ".ini", ".cfg", ".conf", ".json", ".toml", ".env", ".properties", ".cnf", "")
)
_ASSIGNMENT = re.compile(
    r"""^\s*(?:export\s+)?["']?(?P<key>[A-Za-z0-9_.-]*?(?:password|passwd|secret|token|api[_-]?key|
    access[_-]?key|secret[_-]?key|private[_-]?key|auth[_-]?token|credentials?))["']?\s*[:=]\s*(?P<value>.*?)\s*,?\s*$""",
    re.I | re.X,
)
_PLACEHOLDER = re.compile(
    r"""^(?:|null|none|nil|~|true|false|yes|no|on|off|\[\]|\{\}|[*x.]+|[-+]?\d+(?:\.\d+)?|
    \$.*|\{\{.*|<.*>|%\(.*|!(?:env|secret|vault|ref)\b.*|os\.environ.*|(?i:changeme|example|redacted))$""",
    re.X | re.I,
)


@dataclass(frozen=True)
class Finding:
    kind: str  # what was found, e.g. "an AWS access key id"
    line: int | None = None  # 1-based; None when found by the file's name

    def describe(self) -> str:
        """``is a PostgreSQL password file (by its name)``, ``holds an AWS access key id (line 3)``."""
        return f"holds {self.kind} (line {self.line})" if self.line else f"is {self.kind} (by its name)"


def by_name(relpath: str) -> Finding | None:
    """A file whose name (or path tail, for ``.aws/credentials`` and the like) says credential."""
    p = PurePosixPath(relpath)
    for pattern, kind in SECRET_FILE_NAMES:
        if "/" in pattern:
            tail = "/".join(p.parts[-len(PurePosixPath(pattern).parts) :])
            if fnmatch.fnmatchcase(tail, pattern):
                return Finding(kind)
        elif fnmatch.fnmatchcase(p.name, pattern):
            return Finding(kind)
    return None


def _line(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def _candidate_lines(text: str) -> list[int]:
    """Start offsets of the lines holding one of ``_KEY_WORDS`` (any case), in order."""
    lower = text.lower()
    starts = set()
    for word in _KEY_WORDS:
        at = lower.find(word)
        while at != -1:
            start = lower.rfind("\n", 0, at) + 1
            starts.add(start)
            end = lower.find("\n", at)
            at = lower.find(word, end) if end != -1 else -1
    return sorted(starts)


def _assignment(text: str) -> Finding | None:
    for start in _candidate_lines(text):
        end = text.find("\n", start)
        line = text[start : end if end != -1 else len(text)]
        if len(line) > 2000 or line.lstrip().startswith(("#", ";", "//")):
            continue
        m = _ASSIGNMENT.match(line)
        if not m:
            continue
        value = m.group("value").strip()
        if value[:1] in "\"'" and value[-1:] == value[:1] and len(value) >= 2:
            value = value[1:-1].strip()
        elif value.startswith(("#", "|", ">", "[", "{")):  # a comment, a block, a list or a map
            continue
        if _PLACEHOLDER.match(value):
            continue
        return Finding(f"a '{m.group('key')}' with a literal value", _line(text, start))
    return None


def _search(text: str, lower: str, triggers: tuple[str, ...], pattern: re.Pattern, bounded: bool):
    """The first match of ``pattern`` (starting a word when ``bounded``), if a trigger is there."""
    haystack = lower if pattern.flags & re.I else text
    if not any(t in haystack for t in triggers):
        return None
    for m in pattern.finditer(text):
        if not bounded or m.start() == 0 or not (text[m.start() - 1].isalnum() or text[m.start() - 1] == "_"):
            return m
    return None


def in_text(text: str, relpath: str = "") -> Finding | None:
    """The first credential in ``text`` (the content of the file ``relpath``), else None."""
    found: list[Finding] = []
    lower = text.lower()
    for kind, triggers, pattern, bounded in _STRONG:
        m = _search(text, lower, triggers, pattern, bounded)
        if m:
            found.append(Finding(kind, _line(text, m.start())))
    sa = _SERVICE_ACCOUNT.search(text)
    if sa and _PRIVATE_KEY_FIELD.search(text):
        found.append(Finding("a Google Cloud service-account key", _line(text, sa.start())))
    au = _AUTHORIZED_USER.search(text)
    if au and _REFRESH_TOKEN_FIELD.search(text):
        found.append(Finding("Google Cloud user credentials (refresh token)", _line(text, au.start())))
    suffix = PurePosixPath(relpath).suffix.lower()
    if suffix in CONFIG_SUFFIXES or PurePosixPath(relpath).name.startswith(".env"):
        a = _assignment(text[:CONFIG_SCAN_CHARS])
        if a:
            found.append(a)
    return min(found, key=lambda f: f.line or 0) if found else None


def is_binary(head: bytes) -> bool:
    return b"\0" in head[:8192]


def in_bytes(data: bytes, relpath: str = "") -> Finding | None:
    """``in_text`` of a file's bytes (its first ``SCAN_BYTES``); binary content is not read."""
    if is_binary(data):
        return None
    return in_text(data[:SCAN_BYTES].decode("utf-8", errors="replace"), relpath)


def in_file(path, relpath: str = "") -> Finding | None:
    """``in_bytes`` of the first ``SCAN_BYTES`` of the file at ``path``."""
    with open(Path(path), "rb") as f:
        head = f.read(8192)
        if is_binary(head):
            return None
        data = head + f.read(SCAN_BYTES - len(head))
    return in_bytes(data, relpath or Path(path).name)


def find(relpath: str, path=None, data: bytes | None = None) -> Finding | None:
    """A credential by the name ``relpath`` or in the content (``data``, or the file ``path``)."""
    named = by_name(relpath)
    if named is not None:
        return named
    if data is not None:
        return in_bytes(data, relpath)
    return in_file(path, relpath) if path is not None else None
