"""A hostile identity provider on loopback: its own TLS server, answering by path.

Every answer is written by hand on a raw socket, so it can be what no framework would send:
endless, trickling, huge, mis-encoded, contradictory, redirecting. Each request it received is
kept (method, path, body) so a test can tell what reached it.
"""

from __future__ import annotations

import contextlib
import datetime
import ipaddress
import json
import socket
import socketserver
import ssl
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

TOKEN = {"token_type": "Bearer", "expires_in": 3599, "access_token": "hostile-at"}


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


Answer = Callable[["_Handler", Received], None]


def _head(status: str, headers: dict[str, str]) -> bytes:
    lines = [f"HTTP/1.1 {status}"] + [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def json_answer(body: object, status: str = "200 OK", **headers: str) -> Answer:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()

    def answer(handler: _Handler, _: Received) -> None:
        head = {"Content-Type": "application/json", "Content-Length": str(len(data)), **headers}
        handler.wfile.write(_head(status, head) + data)

    return answer


def endless(handler: _Handler, _: Received) -> None:
    """A chunked body that never ends (until the client goes away)."""
    handler.wfile.write(_head("200 OK", {"Transfer-Encoding": "chunked"}))
    chunk = b"a" * 65536
    with contextlib.suppress(OSError):
        while not handler.server.stopping.is_set():
            handler.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))


def trickle(handler: _Handler, _: Received) -> None:
    """Headers at once, then one byte every 50 ms, forever."""
    handler.wfile.write(
        _head("200 OK", {"Content-Type": "application/json", "Content-Length": "100000000"})
    )
    with contextlib.suppress(OSError):
        while not handler.server.stopping.is_set():
            handler.wfile.write(b" ")
            handler.wfile.flush()
            time.sleep(0.05)


def silent(handler: _Handler, _: Received) -> None:
    """Never answer: hold the connection until the server stops."""
    handler.server.stopping.wait(30)


def hang_up(handler: _Handler, _: Received) -> None:
    """Close the connection without a byte of answer."""


def redirect(location: str, status: str = "307 Temporary Redirect") -> Answer:
    def answer(handler: _Handler, _: Received) -> None:
        handler.wfile.write(_head(status, {"Location": location, "Content-Length": "0"}))

    return answer


def echo(handler: _Handler, received: Received) -> None:
    """The request body back, as text."""
    data = json.dumps({"body": received.body.decode("latin-1")}).encode()
    handler.wfile.write(
        _head("200 OK", {"Content-Type": "application/json", "Content-Length": str(len(data))})
        + data
    )


class _Handler(socketserver.StreamRequestHandler):
    server: HostileServer

    def handle(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            received = self._read_request()
            if received is None:
                return
            self.server.received.append(received)
            answer = self.server.answers.get(received.path.split("?", 1)[0])
            if answer is None:
                json_answer({"error": "not_found"}, "404 Not Found")(self, received)
            else:
                answer(self, received)
            self.wfile.flush()

    def _read_request(self) -> Received | None:
        line = self.rfile.readline(65537).decode("latin-1").strip()
        if not line:
            return None
        method, path, _ = line.split(" ", 2)
        headers: dict[str, str] = {}
        while (header := self.rfile.readline(65537).decode("latin-1").strip()) != "":
            name, _, value = header.partition(":")
            headers[name.strip().lower()] = value.strip()
        body = self.rfile.read(int(headers.get("content-length", "0")))
        return Received(method, path, headers, body)


@dataclass
class _Pki:
    ca_file: Path
    context: ssl.SSLContext


def _pki(folder: Path) -> _Pki:
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "hostile test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca_file = folder / "ca.pem"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_file = folder / "server.pem"
    cert_file.write_bytes(
        leaf.public_bytes(serialization.Encoding.PEM)
        + key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file)
    return _Pki(ca_file, context)


class HostileServer(socketserver.ThreadingTCPServer):
    """The hostile identity provider. ``answers`` maps a path to how it is answered."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, context: ssl.SSLContext | None, ca_file: Path | None) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.context = context
        self.ca_file = ca_file
        self.answers: dict[str, Answer] = {}
        self.received: list[Received] = []
        self.stopping = threading.Event()

    def get_request(self) -> tuple[socket.socket, object]:
        conn, address = super().get_request()
        if self.context is not None:
            conn.settimeout(5)
            conn = self.context.wrap_socket(conn, server_side=True, do_handshake_on_connect=False)
        return conn, address

    def finish_request(self, request: object, client_address: object) -> None:
        if isinstance(request, ssl.SSLSocket):
            try:
                request.do_handshake()
            except (OSError, ssl.SSLError):
                return
            request.settimeout(None)
        super().finish_request(request, client_address)  # type: ignore[arg-type]

    @property
    def base(self) -> str:
        scheme = "https" if self.context is not None else "http"
        return f"{scheme}://127.0.0.1:{self.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def paths(self) -> list[str]:
        return [r.path for r in self.received]


@contextlib.contextmanager
def hostile_server(*, tls: bool = True) -> Iterator[HostileServer]:
    """A running hostile server; ``server.ca_file`` is the CA that signed its certificate."""
    with tempfile.TemporaryDirectory(prefix="hostile-") as folder:
        pki = _pki(Path(folder)) if tls else None
        server = HostileServer(pki.context if pki else None, pki.ca_file if pki else None)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield server
        finally:
            server.stopping.set()
            server.shutdown()
            server.server_close()
            thread.join(5)
