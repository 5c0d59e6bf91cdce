"""A local Graph API server for tests and benchmarks: the calls the desk makes with a
Page access token, in Graph's wire format, on 127.0.0.1 and a random port.

It serves the Send API (`POST /<version>/<page_id>/messages`, JSON or a multipart
upload with `filedata`; a recipient by `id` or, for a private reply, by
`comment_id`), comment replies (`POST /<comment_id>/comments`), hiding
(`POST /<comment_id>` with `is_hidden`), profiles (`GET /<psid>?fields=...`),
`GET /me`, and files for attachment URLs (`GET /files/<name>`). Errors are
Graph's error object with the HTTP status Graph uses. `fail(...)` injects a
fault for the next matching calls; `calls` records every request.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Call:
    method: str
    path: str  # without the version
    query: dict[str, str]
    body: dict[str, Any]  # JSON body, or the form fields (JSON fields decoded)
    files: dict[str, tuple[str, str, bytes]] = field(default_factory=dict)
    token: str = ""


@dataclass
class Fault:
    pattern: str
    status: int
    code: int
    subcode: int | None
    message: str
    times: int
    retry_after: str | None
    kind: str


class GraphAPI:
    """The server's state: the Page, its people, its comments, faults and the record."""

    def __init__(self, page_id: str = "1000", token: str = "page-token",
                 page_name: str = "Testkommune") -> None:
        self.page_id, self.token, self.page_name = page_id, token, page_name
        self.version = "v25.0"
        self.profiles: dict[str, dict[str, str]] = {}
        # comment id -> the page-scoped id of its author (what a private reply reaches)
        self.commenters: dict[str, str] = {}
        self.files: dict[str, tuple[bytes, str]] = {}
        self.hidden: set[str] = set()
        self.calls: list[Call] = []
        self._faults: list[Fault] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # --- set-up -------------------------------------------------------------
    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def file_url(self, name: str, data: bytes, content_type: str) -> str:
        self.files[name] = (data, content_type)
        return f"{self.url}/files/{name}"

    def fail(self, pattern: str, status: int = 400, code: int = 100, subcode: int | None = None,
             message: str = "Invalid parameter", times: int = 1,
             retry_after: str | None = None, kind: str = "OAuthException") -> None:
        """The next `times` calls whose "METHOD path" matches `pattern` (a regex) get
        Graph's error object."""
        with self._lock:
            self._faults.append(Fault(pattern, status, code, subcode, message, times,
                                      retry_after, kind))

    def sent(self) -> list[Call]:
        """Send API calls that succeeded, in order."""
        return [c for c in self.calls if c.method == "POST" and c.path.endswith("/messages")
                and getattr(c, "ok", False)]

    def start(self) -> GraphAPI:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True,
                         name="graphapi").start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    # --- the API ------------------------------------------------------------
    def _fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.times > 0 and re.search(fault.pattern, f"{method} {path}"):
                    fault.times -= 1
                    return fault
        return None

    def handle(self, call: Call) -> tuple[int, dict[str, Any], dict[str, str]]:
        with self._lock:
            self.calls.append(call)
        fault = self._fault(call.method, call.path)
        if fault is not None:
            headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
            return fault.status, self.error(fault.code, fault.message, fault.subcode,
                                            fault.kind), headers
        if call.token != self.token:
            return 400, self.error(190, "Invalid OAuth access token - Cannot parse access "
                                   "token"), {}
        result = self._route(call)
        if result[0] == 200:
            call.ok = True  # type: ignore[attr-defined]
        return result

    def error(self, code: int, message: str, subcode: int | None = None,
              kind: str = "OAuthException") -> dict[str, Any]:
        body: dict[str, Any] = {"message": message, "type": kind, "code": code,
                                "fbtrace_id": f"A{next(self._ids):08d}"}
        if subcode is not None:
            body["error_subcode"] = subcode
        return {"error": body}

    def _route(self, call: Call) -> tuple[int, dict[str, Any], dict[str, str]]:
        parts = call.path.strip("/").split("/")
        if call.method == "GET" and parts == ["me"]:
            return 200, {"id": self.page_id, "name": self.page_name}, {}
        if call.method == "GET" and len(parts) == 1:
            profile = self.profiles.get(parts[0])
            if profile is None:
                return 400, self.error(100, "Unsupported get request. Object with ID "
                                       f"'{parts[0]}' does not exist", 33,
                                       "GraphMethodException"), {}
            wanted = call.query.get("fields", "").split(",")
            return 200, {"id": parts[0], **{k: v for k, v in profile.items() if k in wanted}}, {}
        if call.method == "POST" and parts == [self.page_id, "messages"]:
            return self._send(call)
        if call.method == "POST" and len(parts) == 2 and parts[1] == "comments":
            if not str(call.body.get("message") or "").strip():
                return 400, self.error(100, "(#100) Missing message"), {}
            return 200, {"id": f"{parts[0].split('_')[0]}_{next(self._ids)}"}, {}
        if call.method == "POST" and len(parts) == 1 and "is_hidden" in call.body:
            if str(call.body["is_hidden"]).lower() == "true":
                self.hidden.add(parts[0])
            else:
                self.hidden.discard(parts[0])
            return 200, {"success": True}, {}
        return 400, self.error(100, f"Unknown path components: /{call.path}"), {}

    def _send(self, call: Call) -> tuple[int, dict[str, Any], dict[str, str]]:
        recipient = call.body.get("recipient") or {}
        message = call.body.get("message") or {}
        if call.body.get("messaging_type") not in ("RESPONSE", "UPDATE", "MESSAGE_TAG"):
            return 400, self.error(100, "(#100) Param messaging_type must be one of "
                                   "{RESPONSE, UPDATE, MESSAGE_TAG}"), {}
        if len(str(message.get("text") or "")) > 2000:
            return 400, self.error(100, "(#100) Length of param message[text] must be less "
                                   "than or equal to 2000"), {}
        if "comment_id" in recipient:
            psid = self.commenters.get(str(recipient["comment_id"]))
            if psid is None:
                return 400, self.error(10903, "This user cant reply to this activity"), {}
        elif "id" in recipient:
            psid = str(recipient["id"])
        else:
            return 400, self.error(100, "(#100) param recipient must be non-empty."), {}
        if not message.get("text") and not call.files and not message.get("attachment"):
            return 400, self.error(100, "(#100) Must send either message or state"), {}
        return 200, {"recipient_id": psid, "message_id": f"m_{next(self._ids)}"}, {}


def _handler(api: GraphAPI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_args: Any) -> None:
            pass

        def _reply(self, status: int, body: bytes, content_type: str,
                   headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

        def _call(self, method: str) -> None:
            split = urlsplit(self.path)
            query = {k: v[-1] for k, v in parse_qs(split.query).items()}
            if split.path.startswith("/files/"):
                found = api.files.get(split.path[len("/files/"):])
                if found is None or self.headers.get("Authorization"):
                    # A signed CDN URL needs no token; one sent there would leak it.
                    self._reply(404 if found is None else 400, b"no", "text/plain")
                else:
                    self._reply(200, found[0], found[1])
                return
            prefix = f"/{api.version}/"
            if not split.path.startswith(prefix):
                self._answer(400, api.error(2500, "Unknown version"), {})
                return
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body, files = _body(self.headers.get("Content-Type", ""), raw)
            auth = self.headers.get("Authorization", "")
            token = auth[len("Bearer "):] if auth.startswith("Bearer ") else query.get(
                "access_token", "")
            call = Call(method, split.path[len(prefix):], query, body, files, token)
            self._answer(*api.handle(call))

        def _answer(self, status: int, body: dict[str, Any], headers: dict[str, str]) -> None:
            self._reply(status, json.dumps(body).encode(), "application/json", headers)

        def do_GET(self) -> None:
            self._call("GET")

        def do_POST(self) -> None:
            self._call("POST")

    return Handler


Files = dict[str, tuple[str, str, bytes]]


def _body(content_type: str, raw: bytes) -> tuple[dict[str, Any], Files]:
    if content_type.startswith("application/json"):
        return json.loads(raw or b"{}"), {}
    if content_type.startswith("application/x-www-form-urlencoded"):
        return {k: _decoded(v[-1]) for k, v in parse_qs(raw.decode()).items()}, {}
    if content_type.startswith("multipart/form-data"):
        message = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + raw)
        fields: dict[str, Any] = {}
        files: dict[str, tuple[str, str, bytes]] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            filename = part.get_filename()
            data = part.get_payload(decode=True) or b""
            if filename is not None:
                files[str(name)] = (filename, part.get_content_type(), data)
            else:
                fields[str(name)] = _decoded(data.decode())
        return fields, files
    return {}, {}


def _decoded(value: str) -> Any:
    if value[:1] in "{[":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value
