"""A real SMTP server for the test run (aiosmtpd): STARTTLS on one port (the "587" mode) and TLS from
the first byte on another (the "465" mode), both with a throwaway self-signed certificate for
localhost, AUTH LOGIN/PLAIN against one account, and every accepted message kept with its envelope.

`SmtpServer.routes` maps the identity's (host, 587/465) to the ports actually opened, for
`core.email.SmtpProvider(routes=…, tls=server.client_context())`.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
import tempfile
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

HOST = "localhost"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
    now = dt.datetime.now(dt.UTC)  # the certificate's validity, not the app's time
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName(HOST), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    raw: bytes


@dataclass
class SmtpServer:
    user: str = "office@example.test"
    password: str = "app-password-1234"
    received: list[Received] = field(default_factory=list)
    refuse_rcpt: dict[str, str] = field(default_factory=dict)  # address -> "550 No such user"
    controllers: list[Controller] = field(default_factory=list)
    routes: dict[tuple[str, int], tuple[str, int]] = field(default_factory=dict)
    cert: Path | None = None

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address in self.refuse_rcpt:
            return self.refuse_rcpt[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        self.received.append(
            Received(
                envelope.mail_from,
                list(envelope.rcpt_tos),
                message_from_bytes(raw, _class=EmailMessage, policy=policy.default),
                raw,
            )
        )
        return f"250 2.0.0 Ok: queued as Q{len(self.received)}"

    def authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        if isinstance(auth_data, LoginPassword):  # (aiosmtpd warns about login_data; we do not use it)
            ok = auth_data.login.decode() == self.user and auth_data.password.decode() == self.password
            return AuthResult(success=ok, handled=False)
        return AuthResult(success=False, handled=False)

    def start(self) -> SmtpServer:
        folder = Path(tempfile.mkdtemp(prefix="smtp-"))
        self.cert, key = self_signed(folder)
        server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        server_tls.load_cert_chain(self.cert, key)
        common = {"hostname": "127.0.0.1", "authenticator": self.authenticate}
        starttls = Controller(
            self, port=free_port(), tls_context=server_tls, require_starttls=True, auth_require_tls=True, **common
        )
        # TLS from the first byte: aiosmtpd does not count it as TLS for AUTH, but the socket is encrypted.
        implicit = Controller(self, port=free_port(), ssl_context=server_tls, auth_require_tls=False, **common)
        for controller in (starttls, implicit):
            controller.start()
            self.controllers.append(controller)
        self.routes = {(HOST, 587): ("127.0.0.1", starttls.port), (HOST, 465): ("127.0.0.1", implicit.port)}
        return self

    def stop(self) -> None:
        for controller in self.controllers:
            controller.stop()

    def client_context(self) -> ssl.SSLContext:
        """A client TLS context that trusts only this server's certificate (verification stays on)."""
        context = ssl.create_default_context(cafile=str(self.cert))
        return context

    def by_message_id(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for r in self.received:
            key = str(r.message["Message-ID"])
            counts[key] = counts.get(key, 0) + 1
        return counts
