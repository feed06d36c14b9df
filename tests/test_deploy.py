"""deploy/nginx.conf, the README's production example, run for real: nginx in front of the app.

The file is used as a centre would use it; only its example names are replaced (ports, the
certificate, the static folder) — a self-signed certificate for 127.0.0.1 made here. nginx comes
from the system (installed by .ci/run).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from werkzeug.serving import make_server

from app import create_app
from core.extensions import db
from factories import PASSWORD, app_config, csrf_token, make_staff

REPO = Path(__file__).resolve().parent.parent
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
pytestmark = pytest.mark.skipif(not Path(NGINX).exists(), reason="no nginx (.ci/run installs it)")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _certificate(subject: str, key, issuer: x509.Name, signer, *, ca: bool) -> x509.Certificate:
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)  # fixed: no clock read in tests
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(issuer).public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(start).not_valid_after(start + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if not ca:
        builder = builder.add_extension(x509.SubjectAlternativeName(
            [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
    return builder.sign(signer, hashes.SHA256())


def certificates(folder: Path) -> tuple[Path, Path, Path]:
    """A throw-away CA and the server certificate it signed for 127.0.0.1: (CA, cert, key)."""
    ca_key, server_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = _certificate("Hanjari test CA", ca_key,
                      x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Hanjari test CA")]),
                      ca_key, ca=True)
    server = _certificate("127.0.0.1", server_key, ca.subject, ca_key, ca=False)
    paths = folder / "ca.pem", folder / "fullchain.pem", folder / "privkey.pem"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(server.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(server_key.private_bytes(serialization.Encoding.PEM,
                                                  serialization.PrivateFormat.PKCS8,
                                                  serialization.NoEncryption()))
    return paths


@pytest.fixture
def served(db_url):
    """The app as gunicorn would serve it behind one proxy, on a free local port."""
    app = create_app(app_config(db_url, PROXY_COUNT=1, WTF_CSRF_ENABLED=True))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, server.server_port
    server.shutdown()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def nginx(tmp_path, served):
    """deploy/nginx.conf with its example names replaced, started; (https, http) base URLs."""
    _app, app_port = served
    authority, cert, key = certificates(tmp_path)
    https_port, http_port = free_port(), free_port()
    site = (REPO / "deploy" / "nginx.conf").read_text()
    for example, real in {
        "server 127.0.0.1:8000;": f"server 127.0.0.1:{app_port};",
        "listen 443 ssl;": f"listen 127.0.0.1:{https_port} ssl;",
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "/etc/ssl/hanjari/fullchain.pem": str(cert),
        "/etc/ssl/hanjari/privkey.pem": str(key),
        "/srv/hanjari/static/": f"{REPO / 'static'}/",
    }.items():
        assert example in site, example  # the example names the README tells you to change
        site = site.replace(example, real)
    (tmp_path / "hanjari.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(f"""
        worker_processes 1;
        pid {tmp_path}/nginx.pid;
        error_log {tmp_path}/error.log;
        events {{}}
        http {{
            include /etc/nginx/mime.types;
            access_log off;
            client_body_temp_path {tmp_path}/body;
            proxy_temp_path {tmp_path}/proxy;
            fastcgi_temp_path {tmp_path}/fastcgi;
            uwsgi_temp_path {tmp_path}/uwsgi;
            scgi_temp_path {tmp_path}/scgi;
            include {tmp_path}/hanjari.conf;
        }}""")
    command = [NGINX, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")]
    check = subprocess.run([*command, "-t"], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    process = subprocess.Popen([*command, "-g", "daemon off;"], stderr=subprocess.PIPE)
    try:
        for _ in range(100):
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", https_port)) == 0:
                    break
            time.sleep(0.05)
        yield f"https://127.0.0.1:{https_port}", f"http://127.0.0.1:{http_port}", str(authority)
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_nginx_example_serves_the_app_over_https_only(nginx):
    https, http, cert = nginx
    health = requests.get(f"{https}/healthz", verify=cert, timeout=10)
    assert health.status_code == 200 and health.json()["db"] == "ok"
    plain = requests.get(f"{http}/login", allow_redirects=False, timeout=10)
    assert plain.status_code == 301 and plain.headers["Location"].startswith("https://")
    assert "nginx/" not in plain.headers.get("Server", "")  # server_tokens off


def test_behind_the_proxy_the_app_knows_it_is_https(nginx):
    https, _http, cert = nginx
    staff = make_staff(username="desk-behind-proxy")
    session = requests.Session()  # verify= on each request: REQUESTS_CA_BUNDLE beats session.verify
    page = session.get(f"{https}/login", verify=cert, timeout=10)
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")
    # Over HTTPS Flask-WTF also checks that the Referer is this host, as a browser sends it:
    # the Host nginx passes on must be the one the browser used.
    answer = session.post(f"{https}/login", allow_redirects=False, verify=cert, timeout=10,
                          headers={"Referer": f"{https}/login"}, data={
        "username": staff.username, "password": PASSWORD, "csrf_token": csrf_token(page.text)})
    assert answer.status_code == 302 and "login" not in answer.headers["Location"]
    # X-Forwarded-Proto reached the app through ProxyFix: the session cookie is Secure.
    assert answer.cookies and all(cookie.secure for cookie in answer.cookies)
    assert session.get(f"{https}/", verify=cert, timeout=10).status_code == 200


def test_static_files_come_from_nginx_with_their_headers(nginx):
    https, _http, cert = nginx
    script = requests.get(f"{https}/static/js/hanjari.js", verify=cert, timeout=10)
    assert script.status_code == 200
    assert script.content == (REPO / "static" / "js" / "hanjari.js").read_bytes()
    assert script.headers["X-Content-Type-Options"] == "nosniff"
    assert "max-age=604800" in script.headers["Cache-Control"]


SSLSCAN = shutil.which("sslscan")
AEAD_SUITES = {"ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384",
               "ECDHE-ECDSA-CHACHA20-POLY1305", "TLS_AES_128_GCM_SHA256",
               "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"}


@pytest.mark.skipif(SSLSCAN is None, reason="no sslscan (.ci/run installs it)")
def test_tls_offers_only_tls12_and_13_with_forward_secret_aead_ciphers(nginx):
    """The example's TLS as a scanner sees it (sslscan): nothing older than TLS 1.2, only
    ECDHE with AES-GCM or ChaCha20-Poly1305 (the certificate here is ECDSA), no
    renegotiation, not vulnerable to Heartbleed."""
    import xml.etree.ElementTree as ET

    https, _http, _cert = nginx
    target = https.removeprefix("https://")
    scan = subprocess.run([SSLSCAN, "--no-colour", "--xml=-", target], capture_output=True,
                          text=True, timeout=120)
    assert scan.returncode == 0, scan.stderr
    test = ET.fromstring(scan.stdout[scan.stdout.index("<?xml"):]).find("ssltest")
    enabled = {f"{p.get('type')}{p.get('version')}" for p in test.iter("protocol")
               if p.get("enabled") == "1"}
    assert enabled == {"tls1.2", "tls1.3"}
    accepted = {c.get("cipher") for c in test.iter("cipher")}
    assert accepted and accepted <= AEAD_SUITES, accepted - AEAD_SUITES
    assert all(int(c.get("bits")) >= 128 for c in test.iter("cipher"))
    assert all(h.get("vulnerable") == "0" for h in test.iter("heartbleed"))
    assert all(r.get("supported") == "0" for r in test.iter("renegotiation"))
