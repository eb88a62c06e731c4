"""Credentials out of URLs and messages: what a log line, an error, a record or a file may show.

``redact(url)`` masks the userinfo (``user:pass@`` or a bare ``token@``) and secret-looking query
values (``token=``, ``password=``, ``sig=`` ...) as ``***``; ``redact_text`` does it to every URL
in a text. Used for event sinks, trigger sources and notebook settings.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

# query keys whose values are credentials: shown as *** wherever a URL is logged or recorded
SECRET_KEY = re.compile(
    r"(token|secret|pass(word|wd)?|pwd|key|sig(nature)?|auth|credential|"
    r"session|code)",
    re.I,
)
NOT_SECRET_KEY = re.compile(r"(_file|_path|^tls_.*)$", re.I)  # token_file=/path names a file
_URL_IN_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"<>]+")


def is_secret_key(key: str) -> bool:
    return bool(SECRET_KEY.search(key)) and not NOT_SECRET_KEY.search(key)


def redact(url: str) -> str:
    """``url`` fit for a log line, an error message or a file: credentials in the userinfo
    (``user:pass@``, or a bare ``token@``) and in secret-looking query values become ``***``."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if len(parts.scheme) <= 1:  # a plain path: nothing secret in it
        return url
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, hostport = netloc.rpartition("@")
        user, sep, _ = userinfo.partition(":")
        netloc = f"{user}:***@{hostport}" if sep else f"***@{hostport}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(is_secret_key(k) for k, _ in pairs):
            query = "&".join(
                f"{quote(k, safe='')}=" + ("***" if is_secret_key(k) else quote(v, safe="/:,"))
                for k, v in pairs
            )
    if netloc == parts.netloc and query == parts.query:
        return url
    return urlunsplit(parts._replace(netloc=netloc, query=query))


def redact_text(text: object) -> str:
    """Every URL in ``text`` (an exception's message, say) passed through ``redact``."""
    return _URL_IN_TEXT.sub(lambda m: redact(m.group(0)), str(text))
