"""A loopback HTTP server that misbehaves on purpose, one fault per path (tests/test_faults.py).

Written on raw sockets, because the faults are below what http.server lets one do:
a connection reset half-way through a body, a body shorter than its Content-Length,
a body dripped slower than the crawler's DOWNLOAD_TIMEOUT.
"""
from __future__ import annotations

import base64
import gzip
import random
import socket
import socketserver
import struct
import threading
import time
from collections import Counter
from urllib.parse import urlsplit

from tests.news_server import article_html

CHINESE_ARTICLE = """<!DOCTYPE html><html><head><title>港珠澳大桥客流创新高</title></head><body>
<article><h1>港珠澳大桥客流创新高</h1>
<p>今年暑期，经港珠澳大桥往来三地的旅客人数再创新高，口岸部门增开通道并延长服务时间，方便市民出行。</p>
<p>交通部门表示，跨境巴士班次将继续加密，周末高峰时段每五分钟发出一班，旅客可提前在网上预约。</p>
<p>不少市民选择自驾经大桥出游，珠海和澳门的酒店入住率明显上升，餐饮和零售生意也随之带旺。</p>
</article></body></html>"""

# path -> what goes wrong there (the test names each in its report)
FAULTS = {
    "/fault/500.html": "HTTP 500",
    "/fault/429.html": "429 with Retry-After, then the page",
    "/fault/reset.html": "connection reset mid-body",
    "/fault/short.html": "body shorter than its Content-Length",
    "/fault/drip.html": "body dripped slower than DOWNLOAD_TIMEOUT",
    "/fault/loop.html": "redirect loop",
    "/fault/big.html": "page over DOWNLOAD_MAXSIZE",
    "/fault/bomb.html": "gzip bomb",
    "/fault/charset.html": "wrong charset header (GBK body declared UTF-8)",
    "/fault/octet.html": "HTML served as application/octet-stream",
}


class FaultServer:
    """`maxsize`: the crawler's DOWNLOAD_MAXSIZE (big and bomb pages exceed it);
    `drip_seconds`: how long the drip page takes (more than DOWNLOAD_TIMEOUT)."""

    def __init__(self, maxsize: int = 200_000, drip_seconds: float = 3.0) -> None:
        self.maxsize = maxsize
        self.drip_seconds = drip_seconds
        self.hits: Counter = Counter()
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), self._handler(), bind_and_activate=False)
        self.server.allow_reuse_address = True
        self.server.daemon_threads = True
        self.server.server_bind()
        self.server.server_activate()
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "FaultServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.server.shutdown()
        self.server.server_close()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def urls(self) -> list[str]:
        return [self.base + path for path in FAULTS] + [f"{self.base}/ok/{n}.html" for n in (1, 2)]

    # -- answers ---------------------------------------------------------------------------
    def _handler(self):
        server = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = self.request.recv(4096)
                    if not chunk:
                        return
                    data += chunk
                path = urlsplit(data.split(b" ", 2)[1].decode("latin-1")).path
                with server.lock:
                    server.hits[path] += 1
                    hit = server.hits[path]
                try:
                    server.answer(self.request, path, hit)
                except OSError:  # the crawler hung up (a timeout, a cancelled download)
                    pass

        return Handler

    @staticmethod
    def _send(sock: socket.socket, status: str, headers: list[tuple[str, str]], body: bytes = b"",
              length: int | None = None) -> None:
        lines = [f"HTTP/1.1 {status}", "Connection: close",
                 f"Content-Length: {len(body) if length is None else length}"]
        lines += [f"{name}: {value}" for name, value in headers]
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)

    def answer(self, sock: socket.socket, path: str, hit: int) -> None:
        html = [("Content-Type", "text/html; charset=utf-8")]
        page = article_html(int(path.rsplit("/", 1)[-1].split(".")[0]) if path.startswith("/ok/") else 90,
                            "A page from the fault server.").encode()
        if path.startswith("/ok/"):
            self._send(sock, "200 OK", html, page)
        elif path.startswith("/heavy/"):  # an article carrying ~300 kB that gzip cannot shrink much
            n = int(path.rsplit("/", 1)[-1].split(".")[0])
            noise = base64.b64encode(random.Random(n).randbytes(225_000))
            page = article_html(n, "A heavy page.").encode()
            self._send(sock, "200 OK", html, page.replace(b"</body>", b"<!-- " + noise + b" --></body>"))
        elif path == "/fault/500.html":
            self._send(sock, "500 Internal Server Error", [("Content-Type", "text/plain")], b"broken")
        elif path == "/fault/429.html":
            if hit == 1:
                self._send(sock, "429 Too Many Requests", [("Retry-After", "1"), ("Content-Type", "text/plain")],
                           b"slow down")
            else:
                self._send(sock, "200 OK", html, article_html(91, "Served once the client waited.").encode())
        elif path == "/fault/reset.html":
            self._send(sock, "200 OK", html, page[:len(page) // 2], length=len(page))
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close = RST
        elif path == "/fault/short.html":
            self._send(sock, "200 OK", html, page[:len(page) // 2], length=len(page))
            sock.shutdown(socket.SHUT_WR)  # a clean end, too early
        elif path == "/fault/drip.html":
            self._send(sock, "200 OK", html, b"", length=len(page))
            step = self.drip_seconds / 20
            for start in range(0, len(page), max(1, len(page) // 20)):
                if self.stop.wait(step):
                    return
                sock.sendall(page[start:start + max(1, len(page) // 20)])
        elif path == "/fault/loop.html":
            self._send(sock, "302 Found", [("Location", "/fault/loop-b.html")])
        elif path == "/fault/loop-b.html":
            self._send(sock, "302 Found", [("Location", "/fault/loop.html")])
        elif path == "/fault/big.html":
            filler = b"<!-- " + b"x" * (self.maxsize + 50_000) + b" -->"
            self._send(sock, "200 OK", html, page.replace(b"</body>", filler + b"</body>"))
        elif path == "/fault/bomb.html":
            bomb = gzip.compress(page.replace(b"</body>", b" " * (self.maxsize * 40) + b"</body>"), 9)
            self._send(sock, "200 OK", html + [("Content-Encoding", "gzip")], bomb)
        elif path == "/fault/charset.html":
            self._send(sock, "200 OK", html, CHINESE_ARTICLE.encode("gbk"))
        elif path == "/fault/octet.html":
            self._send(sock, "200 OK", [("Content-Type", "application/octet-stream")], page)
        else:
            self._send(sock, "404 Not Found", [("Content-Type", "text/plain")], b"not found")
