"""``pip install`` command lines read as pip reads them (``!pip``, ``%pip``, ``python -m pip``).

A notebook installs with shell lines: ``!pip3 install -q xgboost > /dev/null 2>&1``. The shell
splits them into words (``shlex``) and ends the command at its operators (``>``, ``2>&1``,
``|``, ``&&``, ``;``); pip then drops its options (``-q``, ``-U``, ``--user``, and the value of
``-i URL``, ``-c FILE``...), reads ``-r FILE`` (relative to the kernel's folder, the notebook's)
and takes each remaining word as a requirement (``packaging.requirements``: extras and markers
kept). URLs, paths and VCS references install something no index pins: they are returned as
written, for export to report. ``sklearn`` (PyPI's deprecated name) is read as ``scikit-learn``.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

# deprecated or placeholder names on PyPI -> the distribution they stand for
RENAMED = {"sklearn": "scikit-learn", "skimage": "scikit-image"}

# pip options that take a value as the next word (``-i URL``); ``-r`` and ``-e`` are read apart
_WITH_VALUE = frozenset(
    {
        "-c",
        "--constraint",
        "-i",
        "--index-url",
        "--extra-index-url",
        "-f",
        "--find-links",
        "-t",
        "--target",
        "--prefix",
        "--root",
        "--src",
        "--platform",
        "--python-version",
        "--implementation",
        "--abi",
        "--upgrade-strategy",
        "--progress-bar",
        "--log",
        "--proxy",
        "--retries",
        "--timeout",
        "--exists-action",
        "--trusted-host",
        "--cert",
        "--client-cert",
        "--cache-dir",
        "--global-option",
        "--config-settings",
        "-C",
        "--no-binary",
        "--only-binary",
        "--python",
        "--report",
        "--keyring-provider",
        "--use-feature",
        "--use-deprecated",
    }
)
_OPERATOR = re.compile(r"^[;&|<>()]+$")
_ARCHIVE = (".whl", ".tar.gz", ".tgz", ".zip", ".tar.bz2")


def _words(text: str) -> list[str]:
    """Shell words of one command, up to its first operator (a redirection, pipe, ``&&``...)."""
    lexer = shlex.shlex(text, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    try:
        tokens = list(lexer)
    except ValueError:  # an unclosed quote: the words before it
        tokens = text.split()
    out: list[str] = []
    for i, tok in enumerate(tokens):
        if _OPERATOR.match(tok):
            break
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        if tok.isdigit() and nxt[:1] in ("<", ">"):  # 2>&1, 2>/dev/null
            break
        out.append(tok)
    return out


def _install_args(words: list[str]) -> list[str] | None:
    """The words after ``install`` of a pip command (``pip``, ``pip3``, ``python -m pip``,
    ``{sys.executable} -m pip``), or None when the words are not ``pip install``."""
    if "pip" in words[:4] and (words.index("pip") == 0 or words[words.index("pip") - 1] == "-m"):
        words = words[words.index("pip") + 1 :]
    elif words and re.fullmatch(r"(.*/)?pip(3(\.\d+)?)?", words[0]):
        words = words[1:]
    else:
        return None
    return words[1:] if words and words[0] == "install" else None


def is_reference(word: str) -> bool:
    """A URL, path or VCS reference: what pip installs without an index (nothing to pin)."""
    return (
        "://" in word
        or word.startswith((".", "/", "~", "git+", "hg+", "svn+", "bzr+", "file:"))
        or word.endswith(_ARCHIVE)
    )


def requirement(word: str) -> str | None:
    """``word`` as a requirement string (``sklearn`` -> ``scikit-learn``), None if it is none."""
    from packaging.requirements import InvalidRequirement, Requirement  # noqa: PLC0415 - packaging.requirements costs 67 ms CPU to import, loaded on first use

    try:
        req = Requirement(word)
    except InvalidRequirement:
        return None
    if req.url:
        return word  # a direct reference: reported, not pinned
    renamed = RENAMED.get(req.name.lower())
    if renamed:
        req.name = renamed
    return str(req)


def _from_file(path: Path, seen: set) -> list[str]:
    """Requirements of a requirements file (``-r``), nested files relative to it."""
    if path in seen or not path.is_file():
        return []
    seen.add(path)
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []
    out: list[str] = []
    for line in lines:
        line = re.sub(r"(^|\s)#.*$", "", line).strip()
        if line.startswith("-"):  # an option line: -r, -c, --index-url...
            try:
                out += _arguments(shlex.split(line), path.parent, seen)
            except ValueError:
                continue
        elif line:  # a requirement, not shell: '>' is a version, ' --hash=...' its options
            out += _arguments([re.split(r"\s+--?[a-z]", line, maxsplit=1)[0].strip()], path.parent, seen)
    return out


def _arguments(args: list[str], base: Path | None, seen: set) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(args):
        word = args[i]
        i += 1
        if word in ("-r", "--requirement", "-e", "--editable") or (
            word.startswith("-r") and len(word) > 2 and not word.startswith("--")
        ):
            value = word[2:] if word.startswith("-r") and len(word) > 2 else None
            if value is None:
                value = args[i] if i < len(args) else ""
                i += 1
            if word in ("-e", "--editable"):
                out.append(value)  # an editable path or VCS URL: reported
            elif base is not None and value and "{" not in value and "$" not in value:
                out += _from_file((base / value).resolve(), seen)
            continue
        if word.startswith("--requirement="):
            if base is not None:
                out += _from_file((base / word.split("=", 1)[1]).resolve(), seen)
            continue
        if word.startswith("-"):
            if word in _WITH_VALUE:
                i += 1
            continue
        if "{" in word or "$" in word:
            continue  # expanded by IPython at run time: nothing static to read
        if is_reference(word):
            out.append(word)
            continue
        req = requirement(word)
        if req is not None:
            out.append(req)
    return out


def install_requirements(command: str, base: Path | None = None) -> list[str]:
    """What a ``pip install`` shell command installs: requirement strings (renamed, extras and
    markers kept) and, as written, URLs and paths. [] for any other command. ``base``: the
    folder ``-r FILE`` is read from (the notebook's); None: ``-r`` is not followed."""
    args = _install_args(_words(command))
    return [] if args is None else _arguments(args, base, set())


def names(requirements) -> list[str]:
    """Distributions to pin for ``requirements``: ``pandas==2.1`` -> ``pandas``, with the extras
    asked for (``xgboost[scikit-learn]``); not the URLs and paths (nothing to pin) nor those
    whose marker does not hold here."""
    from packaging.requirements import InvalidRequirement, Requirement  # noqa: PLC0415 - packaging.requirements costs 67 ms CPU to import, loaded on first use

    out = []
    for text in requirements:
        if is_reference(text):
            continue
        try:
            req = Requirement(text)
        except InvalidRequirement:
            continue
        if req.url or (req.marker is not None and not req.marker.evaluate({"extra": ""})):
            continue
        out.append(req.name + (f"[{','.join(sorted(req.extras))}]" if req.extras else ""))
    return out


def references(requirements) -> list[str]:
    """The URLs and paths among ``requirements``: installed, but not pinnable."""
    return [r for r in requirements if is_reference(r)]
