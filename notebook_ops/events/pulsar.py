"""Everything Apache Pulsar: URL parsing, the sink (a producer) and the trigger source (a shared
consumer with dead-lettering), on the official ``pulsar-client``.

URL: ``pulsar://host[:6650]/TOPIC[?options]`` or ``pulsar+ssl://host[:6651]/TOPIC[?options]``.
TOPIC is a short name (``persistent://public/default/TOPIC``), ``tenant/namespace/topic``, or
``persistent|non-persistent/tenant/namespace/topic``. Options: ``send_timeout_ms`` (2000),
``operation_timeout_s`` (3), ``batching`` (false: an event is small and should leave at once).

Security (no secret ever sits in the URL: URLs are kept in schedules, notebook settings, logs):

- TLS with ``pulsar+ssl://``: ``tls_trust_certs=/abs/ca.pem`` (the CA bundle that signed the
  broker's certificate; default: the system's), ``tls_validate_hostname=true|false`` (default
  true), ``tls_allow_insecure_connection=true|false`` (default false: accept any certificate).
- Token authentication: ``token_file=/abs/path`` (the file holds the token; read at each
  connect, so a rotated token is picked up), else the ``NOTEBOOK_OPS_PULSAR_TOKEN`` environment
  variable (the token text), read at connect time. A ``token=`` (or any credential) in the URL,
  or ``user:pass@`` in it, is refused.

Tested against pulsar-lite 0.2.0 (a broker speaking the Pulsar binary protocol), not Apache
Pulsar itself; TLS through a TLS-terminating proxy in front of it (pulsar-lite has no TLS).
Only documented pulsar-client calls are used.
"""

from __future__ import annotations

import json
import logging
import os
import socket
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from notebook_ops.events.sinks import EventsConfigError, Sink, SinkUnavailable
from notebook_ops.events.source import Message, Source
from notebook_ops.events.spool import default_dir
from notebook_ops.util.redact import is_secret_key, redact

log = logging.getLogger(__name__)

DEFAULT_PORT = 6650
DEFAULT_TLS_PORT = 6651
PROBE_TIMEOUT_S = 1.0
TOKEN_ENV = "NOTEBOOK_OPS_PULSAR_TOKEN"
OPTIONS = {
    "send_timeout_ms": 2000,
    "operation_timeout_s": 3,
    "batching": False,
    "tls_trust_certs": None,
    "tls_validate_hostname": True,
    "tls_allow_insecure_connection": False,
    "token_file": None,
}
PATH_OPTIONS = ("tls_trust_certs", "token_file")
TLS_OPTIONS = ("tls_trust_certs", "tls_validate_hostname", "tls_allow_insecure_connection")
NO_SECRET_HINT = (
    f"put the token in a file and name it with token_file=/path, or set {TOKEN_ENV}; "
    "URLs are stored in schedules, settings and logs"
)


def _client_logger():
    """The C++ client logs one line per reconnect attempt. It goes to a file beside the spool,
    not to a Python logger: a Python logger called from the client's threads while the
    interpreter exits aborts the process (seen with pulsar-client 3.13), and not to stdout,
    which belongs to the command (``run --json``)."""
    import pulsar  # noqa: PLC0415 - optional library (74 ms), imported only when used

    folder = default_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return pulsar.ConsoleLogger(pulsar.LoggerLevel.Error)
    return pulsar.FileLogger(pulsar.LoggerLevel.Warn, str(folder / "pulsar-client.log"))


BOOLS = {
    "1": True,
    "true": True,
    "yes": True,
    "on": True,
    "0": False,
    "false": False,
    "no": False,
    "off": False,
}


def _option(key: str, value: str, shown: str, files: bool):
    default = OPTIONS[key]
    if key in PATH_OPTIONS:
        path = Path(value).expanduser()
        if not value or not path.is_absolute():
            raise EventsConfigError(
                f"{key} must be an absolute path, got {value!r} in {shown!r}", hint=f"{key}=/path/to/file"
            )
        if files and not path.is_file():
            raise EventsConfigError(
                f"{key}: no such file {str(path)!r} (in {shown!r})",
                hint="give the path of a readable file on this machine",
            )
        return str(path)
    if isinstance(default, bool):
        if value.strip().lower() not in BOOLS:
            raise EventsConfigError(
                f"{key}={value!r} is not true or false in {shown!r}", hint=f"{key}=true or {key}=false"
            )
        return BOOLS[value.strip().lower()]
    try:
        number = int(value)
    except ValueError:
        raise EventsConfigError(
            f"{key}={value!r} is not a number in {shown!r}", hint=f"a whole number, e.g. {key}={default}"
        ) from None
    if number <= 0:
        raise EventsConfigError(
            f"{key}={value!r} must be positive in {shown!r}", hint=f"e.g. {key}={default}"
        )
    return number


def parse_url(url: str, *, files: bool = True) -> tuple[str, str, dict]:
    """-> (service URL, full topic name, options). Raises EventsConfigError (never showing a
    credential) for a URL a client could not use; ``files``: also for a named file that is
    not there."""
    shown = redact(url)
    parts = urlsplit(url)
    if parts.scheme not in ("pulsar", "pulsar+ssl") or not parts.hostname:
        raise EventsConfigError(f"not a pulsar URL: {shown!r}", hint="pulsar://host:port/topic")
    if "@" in parts.netloc:
        raise EventsConfigError(f"credentials in the pulsar URL {shown!r} are refused", hint=NO_SECRET_HINT)
    tls = parts.scheme == "pulsar+ssl"
    try:
        port = parts.port or (DEFAULT_TLS_PORT if tls else DEFAULT_PORT)
    except ValueError:
        raise EventsConfigError(f"bad port in {shown!r}", hint="pulsar://host:6650/topic") from None
    path = [unquote(p) for p in parts.path.split("/") if p]
    if len(path) == 1:
        topic = f"persistent://public/default/{path[0]}"
    elif len(path) == 3:
        topic = "persistent://" + "/".join(path)
    elif len(path) == 4 and path[0] in ("persistent", "non-persistent"):
        topic = f"{path[0]}://" + "/".join(path[1:])
    else:
        raise EventsConfigError(
            f"no topic in {shown!r}", hint="pulsar://host:port/topic or .../tenant/namespace/topic"
        )
    opts = dict(OPTIONS)
    for k, v in parse_qsl(parts.query, keep_blank_values=True):
        if k not in OPTIONS:
            if is_secret_key(k):
                raise EventsConfigError(f"a {k}= in the pulsar URL {shown!r} is refused", hint=NO_SECRET_HINT)
            raise EventsConfigError(
                f"unknown pulsar option {k!r} in {shown!r}", hint="known: " + ", ".join(OPTIONS)
            )
        opts[k] = _option(k, v, shown, files)
        if k in TLS_OPTIONS and not tls:
            raise EventsConfigError(
                f"{k} needs a pulsar+ssl:// URL ({shown!r})",
                hint="pulsar+ssl://host:6651/topic?" + k + "=...",
            )
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{parts.scheme}://{host}:{port}", topic, opts


def read_token(opts: dict) -> str | None:
    """The token for this connection: ``token_file``'s content, else NOTEBOOK_OPS_PULSAR_TOKEN,
    else None. Read now (at connect time), never stored with the URL."""
    if opts.get("token_file"):
        try:
            token = Path(opts["token_file"]).read_text().strip()
        except OSError as exc:
            raise EventsConfigError(
                f"cannot read token_file {opts['token_file']!r}: {exc.strerror or exc}", hint=NO_SECRET_HINT
            ) from None
        if not token:
            raise EventsConfigError(f"token_file {opts['token_file']!r} is empty", hint=NO_SECRET_HINT)
        return token
    return os.environ.get(TOKEN_ENV, "").strip() or None


def client_options(service_url: str, opts: dict) -> dict:
    """The keyword arguments of ``pulsar.Client`` for these options, except the logger and the
    authentication (both made in ``_client``)."""
    kw = {
        "operation_timeout_seconds": opts["operation_timeout_s"],
        "connection_timeout_ms": min(10000, opts["operation_timeout_s"] * 1000),
    }
    if service_url.startswith("pulsar+ssl://"):
        kw["tls_validate_hostname"] = opts["tls_validate_hostname"]
        kw["tls_allow_insecure_connection"] = opts["tls_allow_insecure_connection"]
        if opts["tls_trust_certs"]:
            kw["tls_trust_certs_file_path"] = opts["tls_trust_certs"]
    return kw


def _client(service_url: str, opts: dict):
    import pulsar  # noqa: PLC0415 - optional library (74 ms), imported only when used

    token = read_token(opts)
    auth = pulsar.AuthenticationToken(token) if token else None
    return pulsar.Client(
        service_url, authentication=auth, logger=_client_logger(), **client_options(service_url, opts)
    )


def probe(service_url: str) -> None:
    """OSError unless a TCP connection to the broker opens within PROBE_TIMEOUT_S: a broker that
    is down or unroutable fails now, not after the client's operation timeout of retries (a run,
    `schedule add` and a reconnecting trigger then lose at most a second to it)."""
    host, _, port = service_url.split("://", 1)[1].rpartition(":")
    socket.create_connection((host.strip("[]"), int(port)), timeout=PROBE_TIMEOUT_S).close()


class PulsarSink(Sink):
    """A producer per sink (batching off by default, short send timeout, reconnecting)."""

    @staticmethod
    def check_url(url: str) -> None:
        parse_url(url)

    @staticmethod
    def check_url_syntax(url: str) -> None:
        parse_url(url, files=False)

    def __init__(self, url: str):
        super().__init__(url)
        self.service_url, self.topic, self.opts = parse_url(url)
        self._client: Any = None
        self._producer: Any = None  # pulsar's objects (the package has no types)

    def _probe(self) -> None:
        try:
            probe(self.service_url)
        except OSError as exc:
            raise SinkUnavailable(f"{self.service_url}: {exc}") from None

    def _ensure_producer(self):
        if self._producer is None:
            self._probe()
            try:
                if self._client is None:
                    self._client = _client(self.service_url, self.opts)
                self._producer = self._client.create_producer(
                    self.topic,
                    batching_enabled=self.opts["batching"],
                    send_timeout_millis=self.opts["send_timeout_ms"],
                    block_if_queue_full=False,
                )
            except Exception as exc:  # pulsar's Timeout, ConnectError, ...
                raise SinkUnavailable(f"{self.topic} at {self.service_url}: {exc}") from None
        return self._producer

    def send(self, event: dict) -> None:
        body = json.dumps(event, sort_keys=True, default=str).encode()
        props = {
            "type": str(event.get("type", "")),
            "id": str(event.get("id", "")),
            "schema_version": str(event.get("schema_version", "")),
            "pipeline": str(event.get("pipeline") or ""),
            "run_id": str(event.get("run_id") or ""),
        }
        producer = self._ensure_producer()  # SinkUnavailable when the broker is not there
        try:
            # a run's events share a key: on a partitioned topic they stay in one partition, in order
            producer.send(
                body, properties=props, partition_key=event.get("run_id") or event.get("pipeline") or None
            )
        except Exception as exc:  # pulsar's exceptions: Timeout, ConnectError, AlreadyClosed, ...
            raise SinkUnavailable(f"{self.topic} at {self.service_url}: {exc}") from None

    def abort(self) -> None:
        # a blocking call of the C++ client still running when the interpreter exits aborts
        # the process ("terminate called without an active exception"): end it first
        if self._client is not None:
            self._client.shutdown()

    def close(self) -> None:
        for thing in (self._producer, self._client):
            if thing is not None:
                try:
                    thing.close()
                except Exception as exc:  # noqa: BLE001
                    log.debug("pulsar close: %s", exc)
        self._producer = self._client = None


class PulsarSource(Source):
    """A shared subscription: several listeners split the messages; a negatively acknowledged
    message is redelivered (to any of them) after ``nack_delay_ms``. Dead letters go to
    ``dead_letter_topic`` (default ``<topic>-<subscription>-DLQ``, Pulsar's own naming) with the
    reason in the ``nbo_dead_letter_reason`` property."""

    def __init__(
        self, url: str, *, subscription: str, dead_letter_topic: str | None = None, nack_delay_ms: int = 1000
    ):
        import pulsar  # noqa: PLC0415 - optional library (74 ms), imported only when used

        self.url = url
        self.service_url, self.topic, self.opts = parse_url(url)
        self.subscription = subscription
        self.dead_letter_topic = dead_letter_topic or f"{self.topic}-{subscription}-DLQ"
        try:
            probe(self.service_url)
        except OSError as exc:
            raise EventsConfigError(
                f"cannot reach {self.service_url}: {exc}", hint="is the broker up?"
            ) from None
        self._client = _client(self.service_url, self.opts)
        try:
            self._consumer = self._client.subscribe(
                self.topic,
                subscription,
                consumer_type=pulsar.ConsumerType.Shared,
                negative_ack_redelivery_delay_ms=nack_delay_ms,
                receiver_queue_size=1,
            )
        except Exception as exc:
            self._client.close()
            raise EventsConfigError(
                f"cannot subscribe to {self.topic} at {self.service_url}: {exc}", hint="is the broker up?"
            ) from None
        self._dlq: Any = None

    def receive(self, timeout_s: float) -> Message | None:
        import pulsar  # noqa: PLC0415 - optional library (74 ms), imported only when used

        try:
            m = self._consumer.receive(timeout_millis=max(1, int(timeout_s * 1000)))
        except pulsar.Timeout:
            return None
        ts = m.publish_timestamp()
        return Message(
            data=m.data(),
            properties=dict(m.properties()),
            message_id=str(m.message_id()),
            topic=m.topic_name(),
            publish_time=datetime.fromtimestamp(ts / 1000, timezone.utc).isoformat() if ts else None,
            redelivery_count=int(m.redelivery_count()),
            raw=m,
        )

    def ack(self, msg: Message) -> None:
        self._consumer.acknowledge(msg.raw)

    def nack(self, msg: Message) -> None:
        self._consumer.negative_acknowledge(msg.raw)

    def dead_letter(self, msg: Message, reason: str) -> None:
        if self._dlq is None:
            self._dlq = self._client.create_producer(
                self.dead_letter_topic,
                batching_enabled=False,
                send_timeout_millis=self.opts["send_timeout_ms"],
            )
        props = {
            **msg.properties,
            "nbo_dead_letter_reason": reason[:1000],
            "nbo_original_topic": msg.topic,
            "nbo_original_message_id": msg.message_id,
            "nbo_subscription": self.subscription,
        }
        self._dlq.send(msg.data, properties=props)  # raises if it cannot park it: caller nacks
        self.ack(msg)

    def close(self) -> None:
        for thing in (self._dlq, self._consumer, self._client):
            if thing is not None:
                try:
                    thing.close()
                except Exception as exc:  # noqa: BLE001
                    log.debug("pulsar close: %s", exc)
