"""Receivers for the alerts tests (a unique module name: every test folder has a conftest): a
webhook receiver (a loopback HTTP server that records what it is sent and answers what the test
says), an SMTP server (aiosmtpd) that demands STARTTLS and a login, with a CA and certificate
made here."""

from __future__ import annotations

import datetime
import http.server
import json
import queue
import socket
import ssl
import threading
from email import message_from_bytes, policy
from pathlib import Path

SMTP_USER, SMTP_PASSWORD = "alerts-bot", "s3cret-SMTP-pass"


class WebhookReceiver:
    """``url``; ``got``: [{"path", "headers", "body"}]; ``answers``: statuses to give, in order
    (204 once they run out)."""

    def __init__(self):
        self.got: list[dict] = []
        self.answers: queue.Queue = queue.Queue()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    status = outer.answers.get_nowait()
                except queue.Empty:
                    status = 204
                if status < 300:
                    outer.got.append(
                        {"path": self.path, "headers": dict(self.headers), "body": json.loads(body)}
                    )
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def make_pki(folder: Path) -> dict:
    """A CA and a certificate for localhost and 127.0.0.1, signed by it."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    folder.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.timezone.utc)
    start, end = now - datetime.timedelta(hours=1), now + datetime.timedelta(days=1)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "notebook-ops alerts test CA")])
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
    names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpServer:
    """aiosmtpd on loopback: STARTTLS required before anything, then AUTH (``SMTP_USER``,
    ``SMTP_PASSWORD``); ``messages``: the e-mails received (``email.message.EmailMessage``),
    ``logins``: the user names that logged in."""

    def __init__(self, folder: Path):
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult

        self.pki = make_pki(folder)
        self.messages: list = []
        self.envelopes: list = []
        self.logins: list[str] = []
        outer = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
                outer.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos), session.ssl is not None))
                outer.messages.append(message_from_bytes(envelope.original_content, policy=policy.default))
                return "250 OK"

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = auth_data.login == SMTP_USER.encode() and auth_data.password == SMTP_PASSWORD.encode()
            if ok:
                outer.logins.append(auth_data.login.decode())
            return AuthResult(success=ok, handled=False)  # aiosmtpd answers 535 itself

        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.pki["cert"], self.pki["key"])
        self.port = _free_port()
        self.controller = Controller(
            Handler(),
            hostname="127.0.0.1",
            port=self.port,
            tls_context=context,
            require_starttls=True,
            authenticator=authenticator,
            auth_require_tls=True,
            ready_timeout=30,
        )
        self.controller.start()

    def env(self, **more) -> dict:
        """The sender's environment for this server (NOTEBOOK_OPS_SMTP_*)."""
        return {
            "NOTEBOOK_OPS_SMTP_HOST": "127.0.0.1",
            "NOTEBOOK_OPS_SMTP_PORT": str(self.port),
            "NOTEBOOK_OPS_SMTP_SECURITY": "starttls",
            "NOTEBOOK_OPS_SMTP_USER": SMTP_USER,
            "NOTEBOOK_OPS_SMTP_PASSWORD": SMTP_PASSWORD,
            "NOTEBOOK_OPS_SMTP_FROM": "notebook-ops@example.com",
            "NOTEBOOK_OPS_SMTP_CA_FILE": str(self.pki["ca"]),
            **more,
        }

    def close(self):
        self.controller.stop()
