"""A local stand-in for wapiti's SSRF/XXE endpoint, so the scanner's out-of-band modules run
without leaving the machine.

wapiti injects URLs of its "external endpoint" (``…/ssrf/<session>/<path id>/<param hex>/``,
``…/dtd/<session>/<path id>/<param hex>/<file>.dtd``) into every parameter; if the app fetched
one, the endpoint has a record of it, which wapiti reads back from ``get_ssrf.php`` and
``get_xxe.php`` at the end of the attack. This server records every request it receives
(printed too, so a scan's log shows whether the app called out) and answers those two pages
in wapiti's format.

    .venv/bin/python scripts/scan_endpoint.py 127.0.0.1 8765
    wapiti … --endpoint http://127.0.0.1:8765/ --dns-endpoint 127.0.0.1
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from core.types import utcnow  # noqa: E402  (the one clock, as everywhere)

# kind ("ssrf", "dtd") -> session -> path id -> parameter (hex) -> [request]
RECORDED: dict = defaultdict(lambda: defaultdict(lambda: defaultdict(lambda: defaultdict(list))))


class Handler(BaseHTTPRequestHandler):
    def _answer(self) -> None:
        parts = urlsplit(self.path)
        pieces = [piece for piece in parts.path.split("/") if piece]
        if pieces and pieces[0] in ("get_ssrf.php", "get_xxe.php"):
            session = parse_qs(parts.query).get("session_id", [""])[0]
            kind = "ssrf" if pieces[0] == "get_ssrf.php" else "dtd"
            self._send(json.dumps(RECORDED[kind].get(session, {})).encode(), "application/json")
            return
        size = int(self.headers.get("Content-Length") or 0)
        if size:
            self.rfile.read(size)
        print(f"CALLBACK {self.command} {self.path} from {self.client_address[0]}", flush=True)
        if len(pieces) >= 4 and pieces[0] in ("ssrf", "dtd", "xxe_data"):
            kind = "ssrf" if pieces[0] == "ssrf" else "dtd"
            RECORDED[kind][pieces[1]][pieces[2]][pieces[3]].append({
                "url": self.path, "date": utcnow().isoformat(),
                "ip": self.client_address[0], "method": self.command, "size": size})
        self._send(b"", "text/plain")

    def _send(self, body: bytes, kind: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = _answer

    def log_message(self, format, *args) -> None:  # the CALLBACK lines are the log
        pass


if __name__ == "__main__":
    host, port = sys.argv[1], int(sys.argv[2])
    ThreadingHTTPServer((host, port), Handler).serve_forever()
