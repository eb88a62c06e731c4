"""Pulsar over TLS and with token authentication, against the real broker (pulsar-lite) and the
official pulsar-client.

pulsar-lite has no TLS and does not check credentials. So a TLS-terminating proxy (``PulsarTap``,
Python's ssl on loopback) stands in front of it, with a certificate from a CA made for the test.
The proxy reads the Pulsar frames it carries: it records what the client sends (the CONNECT
command's auth method and data, the command types, SEND payloads) and answers topic lookups with
its own address. pulsar-lite answers a lookup with its plain ``pulsar://`` address only (no
``brokerServiceUrlTls``: its config has no advertised-address option), and a ``pulsar+ssl://``
client then has no URL to go to; a Pulsar broker with TLS advertises its TLS address, which is
what the proxy does. Every event and message in these tests therefore travels over TLS.
"""

from __future__ import annotations

import datetime
import json
import socket
import ssl
import struct
import threading
from functools import partial
from pathlib import Path

import pytest

from conftest import drain, free_port
from waiting import eventually
from notebook_ops.events.sinks import EventsConfigError, check_url
from notebook_ops.events.spool import Spool
from clikit import run_cli


CONNECT, SEND, LOOKUP_RESPONSE = 2, 6, 24


# --- certificates ---------------------------------------------------------------------------
def make_pki(folder: Path, *, names=("localhost",)) -> dict:
    """A CA and a server certificate for ``names`` (DNS names only: no IP address)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    folder.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.timezone.utc)
    start, end = now - datetime.timedelta(hours=1), now + datetime.timedelta(days=1)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "notebook-ops test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    paths = {"ca": folder / "ca.pem", "cert": folder / "server.pem", "key": folder / "server.key"}
    paths["ca"].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths["cert"].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths["key"].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return paths


# --- just enough protobuf to read and rewrite Pulsar commands ---------------------------------
def _varint(buf: bytes, i: int) -> tuple[int, int]:
    shift = value = 0
    while True:
        b = buf[i]
        i += 1
        value |= (b & 0x7F) << shift
        if b < 0x80:
            return value, i
        shift += 7


def _fields(buf: bytes):
    i = 0
    while i < len(buf):
        key, i = _varint(buf, i)
        num, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _varint(buf, i)
        elif wire == 2:
            n, i = _varint(buf, i)
            value, i = buf[i : i + n], i + n
        elif wire == 1:
            value, i = buf[i : i + 8], i + 8
        elif wire == 5:
            value, i = buf[i : i + 4], i + 4
        else:
            raise ValueError(f"protobuf wire type {wire}")
        yield num, wire, value


def _enc_varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _encode(fields) -> bytes:
    out = bytearray()
    for num, wire, value in fields:
        out += _enc_varint(num << 3 | wire)
        if wire == 0:
            out += _enc_varint(value)
        elif wire == 2:
            out += _enc_varint(len(value)) + value
        else:
            out += value
    return bytes(out)


class PulsarTap:
    """A TCP proxy on loopback in front of the broker, terminating TLS when given a server
    context. It reads each Pulsar frame: records CONNECT auth data, command types and SEND
    payloads (client -> broker), and answers lookups with its own URL (broker -> client)."""

    def __init__(self, upstream_port: int, context: ssl.SSLContext | None = None):
        self.upstream_port = upstream_port
        self.context = context
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(32)
        self.port = self.listener.getsockname()[1]
        scheme = "pulsar+ssl" if context else "pulsar"
        self.advertised = f"{scheme}://localhost:{self.port}"
        self.connects: list[dict] = []
        self.commands: list[int] = []
        self.payloads: list[bytes] = []
        self.handshakes = 0
        self.handshake_errors: list[str] = []
        self.lookups_rewritten = 0
        self._socks: list[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def tls_failures(self) -> list[str]:
        """Handshakes the client broke off (the sink's TCP probe, which connects and closes
        before any TLS, is not one)."""
        return [e for e in self.handshake_errors if "UNEXPECTED_EOF" not in e]

    def url(self, topic: str, query: str = "", host: str = "localhost") -> str:
        scheme = "pulsar+ssl" if self.context else "pulsar"
        return f"{scheme}://{host}:{self.port}/{topic}" + (f"?{query}" if query else "")

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        if self.context is not None:
            conn.settimeout(10)
            try:
                conn = self.context.wrap_socket(conn, server_side=True)
            except (ssl.SSLError, OSError) as exc:
                with self._lock:
                    self.handshake_errors.append(str(exc))
                conn.close()
                return
            conn.settimeout(None)
            with self._lock:
                self.handshakes += 1
        try:
            up = socket.create_connection(("127.0.0.1", self.upstream_port))
        except OSError:
            conn.close()
            return
        with self._lock:
            self._socks += [conn, up]
        threading.Thread(target=self._pump, args=(conn, up, self._from_client), daemon=True).start()
        threading.Thread(target=self._pump, args=(up, conn, self._from_broker), daemon=True).start()

    @staticmethod
    def _read(sock, n: int) -> bytes:
        buf = bytearray()
        while len(buf) < n:
            chunk = sock.recv(n - len(buf))
            if not chunk:
                raise EOFError
            buf += chunk
        return bytes(buf)

    def _pump(self, src, dst, on_frame) -> None:
        try:
            while True:
                total = struct.unpack(">I", self._read(src, 4))[0]
                frame = self._read(src, total)
                (size,) = struct.unpack(">I", frame[:4])
                cmd, rest = frame[4 : 4 + size], frame[4 + size :]
                cmd = on_frame(cmd, rest)
                dst.sendall(struct.pack(">II", 4 + len(cmd) + len(rest), len(cmd)) + cmd + rest)
        except (EOFError, OSError, ValueError):
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()

    def _from_client(self, cmd: bytes, rest: bytes) -> bytes:
        fields = list(_fields(cmd))
        kind = next(v for n, _, v in fields if n == 1)
        with self._lock:
            self.commands.append(kind)
            if kind == SEND:
                self.payloads.append(rest)
            if kind == CONNECT:
                body = dict((n, v) for n, _, v in _fields(next(v for n, _, v in fields if n == CONNECT)))
                self.connects.append(
                    {"auth_method_name": body.get(5, b"").decode(), "auth_data": body.get(3, b"").decode()}
                )
        return cmd

    def _from_broker(self, cmd: bytes, rest: bytes) -> bytes:
        fields = list(_fields(cmd))
        if next(v for n, _, v in fields if n == 1) != LOOKUP_RESPONSE:
            return cmd
        out = []
        for num, wire, value in fields:
            if num == LOOKUP_RESPONSE:  # brokerServiceUrl (1), brokerServiceUrlTls (2): this proxy
                sub = [f for f in _fields(value) if f[0] not in (1, 2)]
                url = self.advertised.encode()
                value = _encode([(1, 2, url), (2, 2, url)] + sub)
            out.append((num, wire, value))
        with self._lock:
            self.lookups_rewritten += 1
        return _encode(out)

    def close(self) -> None:
        self.listener.close()
        with self._lock:
            socks, self._socks = self._socks, []
        for s in socks:
            try:
                s.close()
            except OSError:
                pass


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return make_pki(tmp_path_factory.mktemp("pki"))


def server_context(pki) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(pki["cert"], pki["key"])
    return ctx


@pytest.fixture
def tls_tap(broker, pki):
    tap = PulsarTap(broker.port, server_context(pki))
    yield tap
    tap.close()


@pytest.fixture
def plain_tap(broker):
    tap = PulsarTap(broker.port)
    yield tap
    tap.close()


@pytest.fixture(autouse=True)
def _no_token(monkeypatch):
    monkeypatch.delenv("NOTEBOOK_OPS_PULSAR_TOKEN", raising=False)


# --- URL options: refused without ever showing a secret -------------------------------------
def test_security_options_map_to_the_documented_client_arguments(pki, tmp_path):
    from notebook_ops.events.pulsar import client_options, parse_url

    svc, topic, opts = parse_url(f"pulsar+ssl://broker.example/t?tls_trust_certs={pki['ca']}")
    assert svc == "pulsar+ssl://broker.example:6651"  # Pulsar's TLS port by default
    assert client_options(svc, opts) == {
        "operation_timeout_seconds": 3,
        "connection_timeout_ms": 3000,
        "tls_validate_hostname": True,
        "tls_allow_insecure_connection": False,
        "tls_trust_certs_file_path": str(pki["ca"]),
    }
    svc, _, opts = parse_url(
        "pulsar+ssl://h:7000/t?tls_validate_hostname=false&tls_allow_insecure_connection=yes"
    )
    assert client_options(svc, opts)["tls_validate_hostname"] is False
    assert client_options(svc, opts)["tls_allow_insecure_connection"] is True
    assert "tls_trust_certs_file_path" not in client_options(svc, opts)
    # plain pulsar:// gets no TLS argument at all
    svc, _, opts = parse_url("pulsar://h/t")
    assert not [k for k in client_options(svc, opts) if k.startswith("tls")]


@pytest.mark.parametrize(
    "url, says",
    [
        ("pulsar://h/t?token=s3cr3tvalue", "a token= in the pulsar URL"),
        ("pulsar+ssl://h/t?auth_params=s3cr3tvalue", "a auth_params= in the pulsar URL"),
        ("pulsar://user:s3cr3tvalue@h/t", "credentials in the pulsar URL"),
        ("pulsar://s3cr3tvalue@h/t", "credentials in the pulsar URL"),
    ],
)
def test_a_credential_in_a_url_is_refused_without_showing_it(url, says):
    with pytest.raises(EventsConfigError) as err:
        check_url(url)
    text = str(err.value)
    assert says in err.value.message and "s3cr3tvalue" not in text
    assert "token_file=" in err.value.hint and "NOTEBOOK_OPS_PULSAR_TOKEN" in err.value.hint


@pytest.mark.parametrize(
    "query, says",
    [
        ("tls_trust_certs=ca.pem", "must be an absolute path"),
        ("tls_trust_certs=/no/such/ca.pem", "no such file"),
        ("token_file=/no/such/token", "no such file"),
        ("tls_validate_hostname=maybe", "is not true or false"),
        ("send_timeout_ms=0", "must be positive"),
    ],
)
def test_bad_security_options_are_config_errors(query, says):
    with pytest.raises(EventsConfigError) as err:
        check_url(f"pulsar+ssl://h/t?{query}")
    assert says in err.value.message


def test_tls_options_need_a_tls_url(pki):
    with pytest.raises(EventsConfigError) as err:
        check_url(f"pulsar://h/t?tls_trust_certs={pki['ca']}")
    assert "needs a pulsar+ssl:// URL" in err.value.message


def test_the_lint_checks_the_url_not_the_files_it_names():
    # the CA and the token file may exist only where the notebook is scheduled
    url = "pulsar+ssl://h/t?tls_trust_certs=/only/on/the/server/ca.pem&token_file=/run/secrets/t"
    assert check_url(url, files=False) == url
    with pytest.raises(EventsConfigError):
        check_url(url)


# --- TLS for real, through the proxy ----------------------------------------------------------
def _events(n: int, run_id: str) -> list[dict]:
    from notebook_ops.events.envelope import make_event

    return [make_event("run.started", {"i": i}, run_id=run_id, seq=i) for i in range(n)]


def test_tls_sink_delivers_and_tls_source_receives(tls_tap, topic, pki):
    from notebook_ops.events.publisher import Publisher
    from notebook_ops.events.source import open_source

    url = tls_tap.url(topic, f"tls_trust_certs={pki['ca']}")
    source = open_source(url, subscription="sec")  # subscribes through TLS
    try:
        sent = _events(3, "tls-run")
        pub = Publisher([url])
        for e in sent:
            pub.publish(e)
        pub.close(timeout=30)
        assert not Spool(url).pending()
        got = []

        def three() -> bool:
            msg = source.receive(1.0)
            if msg is not None:
                got.append(json.loads(msg.data))
                source.ack(msg)
            return len(got) >= 3

        eventually(three, timeout=30, interval=0, what="the three events through TLS")
    finally:
        source.close()
    assert [e["id"] for e in got] == [e["id"] for e in sent]
    # it all went through the proxy, over TLS: handshakes, lookups answered with its TLS URL,
    # the three events in SEND frames read after decryption
    assert tls_tap.handshakes >= 2 and not tls_tap.tls_failures
    assert tls_tap.lookups_rewritten >= 2
    payloads = b"".join(tls_tap.payloads)
    assert all(e["id"].encode() in payloads for e in sent)
    assert tls_tap.commands.count(SEND) >= 3


def test_without_the_ca_the_run_succeeds_and_its_events_are_spooled(tls_tap, topic, small_nb):
    from notebook_ops.execution import run_notebook

    url = tls_tap.url(topic)  # no tls_trust_certs: the system's CAs do not know the test CA
    result = run_notebook(small_nb, params={"n": "5"}, track=False, events=[url])
    assert result.status == "succeeded" and result.record["metrics"] == {"total": 10}
    assert [e["type"] for e in Spool(url)._read()][::5] == ["run.started", "run.finished"]
    assert len(Spool(url)._read()) == 6
    assert tls_tap.handshakes == 0 and tls_tap.tls_failures
    assert any("UNKNOWN_CA" in e for e in tls_tap.tls_failures), tls_tap.tls_failures
    assert SEND not in tls_tap.commands


def test_hostname_validation_is_applied(tls_tap, topic, pki, small_nb):
    from notebook_ops.events.publisher import Publisher
    from notebook_ops.execution import run_notebook

    # the certificate names localhost; 127.0.0.1 is not in it
    wrong = tls_tap.url(topic, f"tls_trust_certs={pki['ca']}", host="127.0.0.1")
    result = run_notebook(small_nb, track=False, events=[wrong])
    assert result.status == "succeeded"
    assert len(Spool(wrong)._read()) == 6
    assert SEND not in tls_tap.commands and tls_tap.tls_failures
    # the same address with the check turned off: delivered (so the name was what failed)
    off = wrong + "&tls_validate_hostname=false"
    pub = Publisher([off])
    for e in _events(2, "no-hostname-check"):
        pub.publish(e)
    pub.close(timeout=30)
    assert not Spool(off).pending()
    assert tls_tap.commands.count(SEND) >= 2


# --- tokens -----------------------------------------------------------------------------------
def test_token_from_the_environment_reaches_the_broker(plain_tap, client, topic, monkeypatch):
    from notebook_ops.events.publisher import Publisher

    monkeypatch.setenv("NOTEBOOK_OPS_PULSAR_TOKEN", "env-token-123\n")
    consumer = client.subscribe(f"persistent://public/default/{topic}", "tok")
    url = plain_tap.url(topic)
    pub = Publisher([url])
    pub.publish(_events(1, "tok")[0])
    pub.close(timeout=30)
    assert len(drain(consumer, want=1)) == 1
    assert plain_tap.connects and {c["auth_method_name"] for c in plain_tap.connects} == {"token"}
    assert {c["auth_data"] for c in plain_tap.connects} == {"env-token-123"}


def test_token_file_wins_over_the_environment_over_tls(tls_tap, topic, pki, tmp_path, monkeypatch):
    from notebook_ops.events.publisher import Publisher

    monkeypatch.setenv("NOTEBOOK_OPS_PULSAR_TOKEN", "env-token")
    token = tmp_path / "pulsar.token"
    token.write_text("file-token-456\n")
    url = tls_tap.url(topic, f"tls_trust_certs={pki['ca']}&token_file={token}")
    pub = Publisher([url])
    pub.publish(_events(1, "tokfile")[0])
    pub.close(timeout=30)
    assert not Spool(url).pending()
    assert {c["auth_data"] for c in tls_tap.connects} == {"file-token-456"}
    assert tls_tap.handshakes >= 1


def test_no_token_sends_no_auth_data(plain_tap, topic):
    from notebook_ops.events.publisher import Publisher

    pub = Publisher([plain_tap.url(topic)])
    pub.publish(_events(1, "anon")[0])
    pub.close(timeout=30)
    assert plain_tap.connects
    assert {(c["auth_method_name"], c["auth_data"]) for c in plain_tap.connects} == {("none", "")}


_cli = partial(run_cli, "run", timeout=300)


def test_cli_refuses_a_missing_token_file_and_a_literal_token(small_nb):
    port = free_port()
    p = _cli(
        str(small_nb), "--no-track", "--events", f"pulsar://127.0.0.1:{port}/t?token_file=/no/such/token"
    )
    assert p.returncode == 2 and len(p.stderr.strip().splitlines()) == 1, p.stderr
    assert "token_file: no such file '/no/such/token'" in p.stderr
    p = _cli(str(small_nb), "--no-track", "--events", f"pulsar://127.0.0.1:{port}/t?token=hunter2xyz")
    assert p.returncode == 2 and len(p.stderr.strip().splitlines()) == 1, p.stderr
    assert "a token= in the pulsar URL" in p.stderr and "hunter2xyz" not in p.stderr
    assert "token_file=/path" in p.stderr
    assert not (small_nb.parent / ".notebook_ops" / "runs").exists()


def test_a_token_file_gone_at_connect_time_spools(tmp_path, topic, plain_tap):
    """Checked when the run starts; if it disappears later, the sink is unavailable (spooled),
    the run goes on."""
    from notebook_ops.events.publisher import Publisher

    token = tmp_path / "t.token"
    token.write_text("x")
    url = plain_tap.url(topic, f"token_file={token}")
    pub = Publisher([url])  # checked here
    token.unlink()
    pub.publish(_events(1, "gone")[0])
    pub.close(timeout=10)
    assert len(Spool(url)._read()) == 1
    assert not plain_tap.connects


# --- no credential in logs or the spool ---------------------------------------------------------
def test_credentials_in_sink_urls_stay_out_of_logs_and_spool(spool_dir, caplog):
    from notebook_ops.events.publisher import Publisher

    url = f"http://hookuser:PASSWORD1@127.0.0.1:{free_port()}/hook?token=TOKEN2&timeout=0.5"
    with caplog.at_level("DEBUG", logger="notebook_ops.events"):
        pub = Publisher([url], retry_s=0.1)
        for e in _events(3, "leak"):
            pub.publish(e)
        pub.close(timeout=3)
    assert len(Spool(url)._read()) == 3
    assert "unavailable" in caplog.text and "hookuser:***@127.0.0.1" in caplog.text
    assert "PASSWORD1" not in caplog.text and "TOKEN2" not in caplog.text
    for f in spool_dir.iterdir():
        data = f.read_bytes()
        assert b"PASSWORD1" not in data and b"TOKEN2" not in data, f
    url_files = list(spool_dir.glob("*.url"))
    assert url_files and "token=***" in url_files[0].read_text()
    assert [t.name for t in threading.enumerate() if "PASSWORD1" in t.name] == []


def test_a_trigger_over_tls_starts_a_run(tls_tap, client, topic, pki, small_nb):
    """The listener's source through the TLS proxy: the message (sent in plain to the broker by
    another client) reaches it over TLS, the run happens, the message is acknowledged."""
    from notebook_ops.events.source import open_source
    from notebook_ops.scheduler.triggers import listen_schedule

    url = tls_tap.url(topic, f"tls_trust_certs={pki['ca']}")
    source = open_source(url, subscription="tls")
    client.create_producer(f"persistent://public/default/{topic}").send(b'{"n": 9}')
    outcomes = []
    listener = listen_schedule(
        url,
        small_nb,
        subscription="tls",
        run_options={"track": False},
        on_settled=outcomes.append,
        max_messages=1,
    )
    try:
        assert listener.serve(source) == 1
    finally:
        source.close()
    (out,) = outcomes
    assert out["action"] == "ack" and out["state"] == "succeeded"
    (run,) = [
        json.loads(f.read_text()) for f in (small_nb.parent / ".notebook_ops" / "runs").glob("*/run.json")
    ]
    assert run["run_id"] == out["run_id"] and run["metrics"] == {"total": 18}
    assert tls_tap.handshakes >= 1 and not tls_tap.tls_failures
