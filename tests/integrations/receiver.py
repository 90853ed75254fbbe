"""A webhook receiver on 127.0.0.1, written the way a customer would: it checks the
signature and de-duplicates by X-Parley-Delivery."""

import hashlib
import hmac
import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    delivery: str
    event: str
    signature: str
    signature_ok: bool
    content_type: str
    body: bytes
    answered: int


class Receiver:
    """`script` lists the statuses to answer, in order (then 200). With `block_first`, the
    first request waits until `release()` and then answers 503 (its sender is gone)."""

    def __init__(self, secret: str = "", script=(), block_first=False):
        self.secret = secret
        self.script = list(script)
        self.block_first = block_first
        self.requests: list[Received] = []
        self.events: dict[str, dict] = {}  # delivery id -> payload, accepted once
        self.duplicates = 0
        self.first_arrived = threading.Event()
        self._release = threading.Event()
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/parley?src=test"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.release()
        self.server.shutdown()
        self.server.server_close()

    def release(self):
        self._release.set()

    def accepted(self) -> list[dict]:
        with self._lock:
            return list(self.events.values())

    def _handler(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                signature = self.headers.get("X-Parley-Signature", "")
                expected = (
                    "sha256="
                    + hmac.new(receiver.secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
                )
                ok = hmac.compare_digest(signature, expected)
                delivery = self.headers.get("X-Parley-Delivery", "")
                with receiver._lock:
                    first = not receiver.requests and not receiver.first_arrived.is_set()
                    if receiver.block_first and first:
                        receiver.first_arrived.set()
                        status = None
                    elif not ok:
                        status = 401
                    else:
                        status = receiver.script.pop(0) if receiver.script else 200
                if status is None:
                    receiver._release.wait(60)
                    status = 503
                with receiver._lock:
                    receiver.requests.append(
                        Received(
                            delivery,
                            self.headers.get("X-Parley-Event", ""),
                            signature,
                            ok,
                            self.headers.get("Content-Type", ""),
                            body,
                            status,
                        )
                    )
                    if 200 <= status < 300:
                        if delivery in receiver.events:
                            receiver.duplicates += 1
                        else:
                            receiver.events[delivery] = json.loads(body)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "text/plain")
                    self.end_headers()
                    self.wfile.write(b"ok" if status < 300 else b"try again later")
                except OSError:
                    pass  # the sender went away (killed worker)

            def log_message(self, *args):
                pass

        return Handler
