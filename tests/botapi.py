"""A local Telegram Bot API server for tests and benchmarks, speaking the documented
wire format (https://core.telegram.org/bots/api) over real HTTP on 127.0.0.1.

    with BotApiServer() as api:
        api.queue_update(text_update(api, "Hei!"))
        ... point a channel's api_url at api.url, token at api.token ...
        api.sent  # what the bot sent

It answers /bot<token>/<method> (query string, form, JSON or multipart
parameters): getMe; getUpdates with long polling (a request waits until an
update is queued or its `timeout` passes) and offsets (updates below the
offset are confirmed and forgotten; 409 while a webhook is set); getFile and
the download at /file/bot<token>/<file_path>; sendMessage, sendDocument,
sendPhoto (multipart uploads); setWebhook, deleteWebhook. A wrong token is
401. `fail()` queues error replies for a method (429 with retry_after, 403,
500, ...) and `hang()` holds a reply past the client's time-out.
"""

from __future__ import annotations

import contextlib
import email.parser
import email.policy
import itertools
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

TOKEN = "123456:TEST-desk-bot-token"
BOT_USER = {"id": 123456, "is_bot": True, "first_name": "Innbyggerservice",
            "username": "kommune_desk_bot", "can_join_groups": False,
            "can_read_all_group_messages": False, "supports_inline_queries": False}


@dataclass
class Fault:
    status: int
    description: str
    retry_after: int | None = None
    hang_seconds: float = 0.0  # wait this long first (past the client's time-out)


@dataclass
class Sent:
    """One message the bot sent: its method, chat, text or file."""

    method: str
    chat_id: int
    message_id: int
    text: str | None = None
    filename: str | None = None
    data: bytes | None = None
    content_type: str | None = None


@dataclass
class _State:
    updates: list[dict[str, Any]] = field(default_factory=list)
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # file_id: path, bytes
    faults: dict[str, deque[Fault]] = field(default_factory=dict)
    sent: list[Sent] = field(default_factory=list)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    webhook: dict[str, Any] | None = None
    confirmed: int = 0  # the highest offset a getUpdates confirmed


class BotApiServer:
    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.state = _State()
        self.lock = threading.Condition()
        self._update_ids = itertools.count(1000)
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._file_ids = itertools.count(1)
        self._stopping = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True,
                                        name="botapi")

    # --- running ---------------------------------------------------------
    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> BotApiServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        with self.lock:
            self.lock.notify_all()
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> BotApiServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    # --- what a test does ------------------------------------------------
    def next_message_id(self, chat_id: int) -> int:
        with self.lock:
            return next(self._message_ids.setdefault(chat_id, itertools.count(1)))

    def queue_update(self, update: Any) -> Any:
        """Queue an update for getUpdates (a dict gets the next update_id if it has none);
        any JSON value is queued as it is, for tests of malformed updates."""
        with self.lock:
            if isinstance(update, dict) and "update_id" not in update:
                update = {"update_id": next(self._update_ids), **update}
            self.state.updates.append(update)
            self.lock.notify_all()
        return update

    def add_file(self, data: bytes, file_path: str | None = None) -> str:
        """Store a file getFile hands out; its file_id."""
        with self.lock:
            n = next(self._file_ids)
            file_id = f"FILE{n:04d}"
            self.state.files[file_id] = (file_path or f"documents/file_{n}.bin", data)
        return file_id

    def fail(self, method: str, status: int, description: str = "", *,
             retry_after: int | None = None, times: int = 1, hang: float = 0.0,
             after: int = 0) -> None:
        """The next `times` calls of `method` get this error (after `hang` seconds), once
        `after` calls have passed normally."""
        text = description or {429: f"Too Many Requests: retry after {retry_after}",
                               403: "Forbidden: bot was blocked by the user",
                               401: "Unauthorized", 400: "Bad Request: chat not found",
                               409: "Conflict: terminated by other getUpdates request",
                               }.get(status, "Internal Server Error")
        with self.lock:
            faults = self.state.faults.setdefault(method, deque())
            faults.extend(Fault(200, "") for _ in range(after))
            faults.extend(Fault(status, text, retry_after, hang) for _ in range(times))

    def hang(self, method: str, seconds: float, times: int = 1) -> None:
        """Hold the next `times` calls of `method` for `seconds`, then answer normally."""
        with self.lock:
            for _ in range(times):
                self.state.faults.setdefault(method, deque()).append(Fault(200, "", None,
                                                                           seconds))

    @property
    def sent(self) -> list[Sent]:
        with self.lock:
            return list(self.state.sent)

    def calls(self, method: str) -> list[dict[str, Any]]:
        with self.lock:
            return [params for name, params in self.state.calls if name == method]

    @property
    def pending_updates(self) -> list[Any]:
        """Updates not yet confirmed by an offset."""
        with self.lock:
            return list(self.state.updates)

    def wait_for(self, predicate: Any, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(0.02)
        return bool(predicate())

    # --- the Bot API -------------------------------------------------------
    def call(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self.lock:
            self.state.calls.append((method, params))
            faults = self.state.faults.get(method)
            fault = faults.popleft() if faults else None
        if fault is not None:
            if fault.hang_seconds:
                self._stopping.wait(fault.hang_seconds)
            if fault.status != 200:
                body: dict[str, Any] = {"ok": False, "error_code": fault.status,
                                        "description": fault.description}
                if fault.retry_after is not None:
                    body["parameters"] = {"retry_after": fault.retry_after}
                return fault.status, body
        handler = getattr(self, f"_m_{method.lower()}", None)
        if handler is None:
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        try:
            result = handler(params)
        except _ApiError as exc:
            return exc.status, {"ok": False, "error_code": exc.status,
                                "description": exc.description}
        return 200, {"ok": True, "result": result}

    def _m_getme(self, _params: dict[str, Any]) -> Any:
        return BOT_USER

    def _m_getupdates(self, params: dict[str, Any]) -> Any:
        offset = _int(params.get("offset"))
        limit = min(_int(params.get("limit")) or 100, 100)
        timeout = _int(params.get("timeout")) or 0
        deadline = time.monotonic() + timeout
        with self.lock:
            if self.state.webhook is not None:
                raise _ApiError(409, "Conflict: can't use getUpdates method while webhook is "
                                     "active; use deleteWebhook to delete the webhook first")
            if offset is not None:
                self.state.confirmed = max(self.state.confirmed, offset)
                self.state.updates = [u for u in self.state.updates
                                      if _update_id(u) is None or _update_id(u) >= offset]
            while not self.state.updates and not self._stopping.is_set():
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self.lock.wait(left)
            return self.state.updates[:limit]

    def _m_getfile(self, params: dict[str, Any]) -> Any:
        file_id = str(params.get("file_id", ""))
        with self.lock:
            if file_id not in self.state.files:
                raise _ApiError(400, "Bad Request: invalid file_id")
            path, data = self.state.files[file_id]
        if len(data) > 20 * 1024 * 1024:
            raise _ApiError(400, "Bad Request: file is too big")
        return {"file_id": file_id, "file_unique_id": f"U{file_id}", "file_size": len(data),
                "file_path": path}

    def file_bytes(self, path: str) -> bytes | None:
        with self.lock:
            return next((d for p, d in self.state.files.values() if p == path), None)

    def _m_sendmessage(self, params: dict[str, Any]) -> Any:
        chat_id, text = _chat(params), params.get("text")
        if not isinstance(text, str) or not text:
            raise _ApiError(400, "Bad Request: message text is empty")
        if len(text) > 4096:
            raise _ApiError(400, "Bad Request: message is too long")
        message_id = self.next_message_id(chat_id)
        with self.lock:
            self.state.sent.append(Sent("sendMessage", chat_id, message_id, text=text))
        return self._message(chat_id, message_id, text=text)

    def _m_senddocument(self, params: dict[str, Any]) -> Any:
        return self._send_file("sendDocument", "document", params)

    def _m_sendphoto(self, params: dict[str, Any]) -> Any:
        return self._send_file("sendPhoto", "photo", params)

    def _send_file(self, method: str, key: str, params: dict[str, Any]) -> Any:
        chat_id = _chat(params)
        upload = params.get(key)
        if not isinstance(upload, _Upload):
            raise _ApiError(400, f"Bad Request: there is no {key} in the request")
        message_id = self.next_message_id(chat_id)
        file_id = self.add_file(upload.data, f"{key}s/{upload.filename}")
        with self.lock:
            self.state.sent.append(Sent(method, chat_id, message_id, filename=upload.filename,
                                        data=upload.data, content_type=upload.content_type))
        meta = {"file_id": file_id, "file_unique_id": f"U{file_id}",
                "file_size": len(upload.data)}
        if key == "photo":
            return self._message(chat_id, message_id, photo=[{**meta, "width": 1, "height": 1}])
        return self._message(chat_id, message_id, document={
            **meta, "file_name": upload.filename, "mime_type": upload.content_type})

    def _m_setwebhook(self, params: dict[str, Any]) -> Any:
        url = params.get("url")
        if not isinstance(url, str) or not url:
            raise _ApiError(400, "Bad Request: bad webhook: an HTTPS URL must be provided")
        with self.lock:
            self.state.webhook = {"url": url, "secret_token": params.get("secret_token"),
                                  "allowed_updates": params.get("allowed_updates")}
        return True

    def _m_deletewebhook(self, _params: dict[str, Any]) -> Any:
        with self.lock:
            self.state.webhook = None
        return True

    def _message(self, chat_id: int, message_id: int, **content: Any) -> dict[str, Any]:
        return {"message_id": message_id, "date": int(time.time()), "from": BOT_USER,
                "chat": {"id": chat_id, "type": "private"}, **content}


class _ApiError(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status, self.description = status, description


@dataclass(frozen=True)
class _Upload:
    filename: str
    content_type: str
    data: bytes


def _int(value: Any) -> int | None:
    if value is None or value == "":
        return None
    return int(value)


def _chat(params: dict[str, Any]) -> int:
    try:
        return int(params["chat_id"])
    except (KeyError, ValueError):
        raise _ApiError(400, "Bad Request: chat not found") from None


def _update_id(update: Any) -> int | None:
    value = update.get("update_id") if isinstance(update, dict) else None
    return value if isinstance(value, int) else None


def _value(text: str) -> Any:
    """Form values are strings; Telegram reads arrays and objects as JSON."""
    if text[:1] in "[{":
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


def _params(content_type: str, body: bytes, query: str) -> dict[str, Any]:
    params: dict[str, Any] = {k: _value(v) for k, v in parse_qsl(query)}
    kind = content_type.split(";")[0].strip().lower()
    if kind == "application/json" and body:
        params.update(json.loads(body))
    elif kind == "application/x-www-form-urlencoded":
        params.update({k: _value(v) for k, v in parse_qsl(body.decode())})
    elif kind == "multipart/form-data":
        parsed = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
        for part in parsed.iter_parts():
            name = part.get_param("name", header="content-disposition")
            data = part.get_payload(decode=True) or b""
            filename = part.get_filename()
            if filename is not None:
                params[str(name)] = _Upload(filename, part.get_content_type(), data)
            else:
                params[str(name)] = _value(data.decode())
    return params


def _handler(api: BotApiServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_args: Any) -> None:
            pass

        def _reply(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # it gave up
                self.wfile.write(body)

        def _json(self, status: int, body: dict[str, Any]) -> None:
            self._reply(status, json.dumps(body).encode(), "application/json")

        def _route(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            segments = [unquote(s) for s in parts.path.lstrip("/").split("/")]
            if segments[0] == "file" and len(segments) > 2:
                if segments[1] != f"bot{api.token}":
                    return self._json(401, {"ok": False, "error_code": 401,
                                            "description": "Unauthorized"})
                data = api.file_bytes("/".join(segments[2:]))
                if data is None:
                    return self._json(404, {"ok": False, "error_code": 404,
                                            "description": "Not Found"})
                return self._reply(200, data, "application/octet-stream")
            if len(segments) != 2 or not segments[0].startswith("bot"):
                return self._json(404, {"ok": False, "error_code": 404,
                                        "description": "Not Found"})
            if segments[0] != f"bot{api.token}":
                return self._json(401, {"ok": False, "error_code": 401,
                                        "description": "Unauthorized"})
            try:
                params = _params(self.headers.get("Content-Type", ""), body, parts.query)
            except (ValueError, UnicodeDecodeError):
                return self._json(400, {"ok": False, "error_code": 400,
                                        "description": "Bad Request: can't parse parameters"})
            status, answer = api.call(segments[1], params)
            self._json(status, answer)

        do_GET = _route
        do_POST = _route

    return Handler


# --- updates as Telegram sends them -------------------------------------------

CITIZEN = {"id": 7001, "is_bot": False, "first_name": "Kari", "last_name": "Nordmann",
           "username": "kari_n", "language_code": "nb"}


def message(api: BotApiServer, user: dict[str, Any] | None = None, **content: Any
            ) -> dict[str, Any]:
    """A private message from `user` (Kari by default) with the next message id."""
    user = user or CITIZEN
    return {"message_id": api.next_message_id(user["id"]), "date": int(time.time()),
            "from": user, "chat": {"id": user["id"], "type": "private",
                                   "first_name": user.get("first_name", "")}, **content}


def text_update(api: BotApiServer, text: str, user: dict[str, Any] | None = None,
                **content: Any) -> dict[str, Any]:
    return {"message": message(api, user, text=text, **content)}


def edited_update(original: dict[str, Any], text: str, edit_date: int | None = None
                  ) -> dict[str, Any]:
    """The edit of the message of `original` (an update), as Telegram sends it."""
    edited = {**original["message"], "text": text,
              "edit_date": edit_date or original["message"]["date"] + 60}
    return {"edited_message": edited}
