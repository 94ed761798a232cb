#!/usr/bin/env python3
"""An OTLP/HTTP receiver for the benchmark that accepts every export and discards it (loopback only).

Usage: otlp-sink.py PORT   (POST /v1/traces: 200 with an empty ExportTraceServiceResponse;
                            GET /count answers "exports bytes" received so far)
"""
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

exports = 0
received = 0


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        global exports, received
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        exports += 1
        received += len(body)
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self):
        body = f"{exports} {received}".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
