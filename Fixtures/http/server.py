#!/usr/bin/env python3
"""A loopback HTTP(S) server for Roster's tests (standard library only).

    server.py ROOT [--tls CERT KEY]

Binds 127.0.0.1 on a free port, prints the port on the first line of standard output, and serves
until its standard input closes (or 300 s pass, whichever is first), so it never outlives a test.

Endpoints (PATH is relative to ROOT):
  /typed/PATH[?type=MEDIA]   the file, with Content-Type MEDIA (default: from the extension)
  /untyped/PATH              the file, with no Content-Type header
  /chunked/PATH              the file, chunked (no Content-Length), no Content-Type
  /redirect/N/PATH           302 to /redirect/N-1/PATH, and /redirect/0/PATH to /typed/PATH
  /redirect-to?url=URL       302 to URL (another scheme, say)
  /status/CODE               that status, with a short text body
  /user-agent                the request's User-Agent header, as text
  /stall                     200, Content-Length 1000, a header line, then nothing for 20 s
  /endless                   200, chunked CSV rows without end (until the client goes away, or 1 GiB)
  /huge-length               200, Content-Length 10^12, then nothing
  /truncated[?groups=1]      200, Content-Length 1000, 106 bytes (with a Groups header), then the
                             connection closes
  /requests                  how many /typed, /untyped and /chunked requests were served so far
"""

import http.server
import os
import ssl
import sys
import threading
import time
import urllib.parse

TYPES = {
    ".csv": "text/csv; charset=utf-8",
    ".json": "application/json",
    ".jsonl": "application/x-ndjson",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".txt": "text/plain",
}


FILE_REQUESTS = 0
LOCK = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):
        pass

    def file_path(self, relative):
        path = os.path.normpath(os.path.join(ROOT, urllib.parse.unquote(relative)))
        if not path.startswith(ROOT) or not os.path.isfile(path):
            return None
        return path

    def send_text(self, code, text):
        body = text.encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def send_file(self, relative, content_type, chunked=False):
        path = self.file_path(relative)
        if path is None:
            return self.send_text(404, "no such file\n")
        self.send_response(200)
        if content_type:
            self.send_header("Content-Type", content_type)
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(os.path.getsize(path)))
        self.end_headers()
        with open(path, "rb") as file:
            while True:
                block = file.read(1 << 16)
                if not block:
                    break
                if chunked:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(block), block))
                else:
                    self.wfile.write(block)
        if chunked:
            self.wfile.write(b"0\r\n\r\n")

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        parts = url.path.lstrip("/").split("/", 1)
        kind, rest = parts[0], parts[1] if len(parts) > 1 else ""
        global FILE_REQUESTS
        try:
            if kind in ("typed", "untyped", "chunked"):
                with LOCK:
                    FILE_REQUESTS += 1
            if kind == "typed":
                default = TYPES.get(os.path.splitext(rest)[1].lower(), "application/octet-stream")
                self.send_file(rest, query.get("type", [default])[0])
            elif kind == "untyped":
                self.send_file(rest, None)
            elif kind == "chunked":
                self.send_file(rest, None, chunked=True)
            elif kind == "redirect":
                count, _, path = rest.partition("/")
                target = "/typed/" + path if int(count) <= 0 else "/redirect/%d/%s" % (int(count) - 1, path)
                self.send_response(302)
                self.send_header("Location", target)
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif kind == "redirect-to":
                self.send_response(302)
                self.send_header("Location", query["url"][0])
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif kind == "requests":
                with LOCK:
                    self.send_text(200, "%d\n" % FILE_REQUESTS)
            elif kind == "user-agent":
                self.send_text(200, self.headers.get("User-Agent", "") + "\n")
            elif kind == "status":
                self.send_text(int(rest), "status %s\n" % rest)
            elif kind == "stall":
                self.send_response(200)
                self.send_header("Content-Type", "text/csv")
                self.send_header("Content-Length", "1000")
                self.end_headers()
                self.wfile.write(b"Name,Email\n")
                self.wfile.flush()
                time.sleep(20)
            elif kind == "endless":
                self.send_response(200)
                self.send_header("Content-Type", "text/csv")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                block = b"Name,Email\n" + b"Ada Lovelace,ada@example.com\n" * 2000
                sent = 0
                while sent < 1 << 30:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(block), block))
                    sent += len(block)
            elif kind == "huge-length":
                self.send_response(200)
                self.send_header("Content-Type", "text/csv")
                self.send_header("Content-Length", str(10**12))
                self.end_headers()
                self.wfile.flush()
                time.sleep(5)
            elif kind == "truncated":
                self.send_response(200)
                self.send_header("Content-Type", "text/csv")
                self.send_header("Content-Length", "1000")
                self.end_headers()
                header = b"Name,Groups\n" if "groups" in query else b"Name,Email\n"
                self.wfile.write(header + b"Ada,ada@example.com\n" * 4 + b"Grace,grace@exa")
                self.wfile.flush()
                self.close_connection = True
            else:
                self.send_text(404, "unknown endpoint\n")
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


def main():
    global ROOT
    arguments = sys.argv[1:]
    ROOT = os.path.realpath(arguments[0])
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    if "--tls" in arguments:
        at = arguments.index("--tls")
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(arguments[at + 1], arguments[at + 2])
        server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(server.server_address[1], flush=True)
    # Stop when the test closes our standard input, or after 300 s at most.
    watcher = threading.Thread(target=sys.stdin.read, daemon=True)
    watcher.start()
    watcher.join(300)
    server.shutdown()


if __name__ == "__main__":
    main()
