"""A small Graph API client: the calls the desk makes with a Page access token, and
Graph's error objects turned into the outbox's temporary and permanent failures."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx

from connectors.base import PermanentFailure, TemporaryFailure
from connectors.tls import shared_context

DEFAULT_GRAPH_URL = "https://graph.facebook.com"
# The newest Graph API version when this was written (v25.0, 18 February 2026).
DEFAULT_GRAPH_VERSION = "v25.0"
# Graph's throttling codes: the app's (4), the Page's (32), a call type's (613).
RATE_LIMITED = frozenset({4, 32, 613, 80006})
TOKEN_INVALID = 190
# The person cannot be reached: gone, blocked the Page, or outside the messaging window.
UNREACHABLE = {551: "the person is not available on Messenger (blocked the Page or "
                    "left Facebook)",
               (10, 2018278): "Messenger's 24-hour window has closed: the citizen must "
                              "write first",
               (10, 2018108): "Messenger refuses messages to this person",
               (200, 1545041): "the person is not available on Messenger",
               (100, 2018001): "no such person on Messenger for this Page"}


@dataclass(frozen=True)
class GraphError(Exception):
    """An error object Graph answered with (`{"error": {...}}`)."""

    status: int
    code: int | None
    subcode: int | None
    message: str
    fbtrace_id: str = ""
    retry_after: float | None = None

    def __str__(self) -> str:
        sub = f"/{self.subcode}" if self.subcode else ""
        return f"Graph error {self.code}{sub} (HTTP {self.status}): {self.message}"

    def as_send_failure(self) -> TemporaryFailure | PermanentFailure:
        """What the outbox should do: wait and retry, mend the channel, or give up."""
        if self.code in RATE_LIMITED:
            return TemporaryFailure(f"Facebook asks us to slow down: {self}",
                                    retry_after=self.retry_after or 60.0)
        if self.code == TOKEN_INVALID:
            return TemporaryFailure(
                f"the Page access token is expired or revoked; make a new one and set "
                f"page_access_token: {self}", channel_broken=True)
        reason = UNREACHABLE.get((self.code, self.subcode)) or UNREACHABLE.get(self.code)
        if reason is not None:
            return PermanentFailure(f"{reason} ({self})")
        if self.status >= 500 or self.status == 429:
            return TemporaryFailure(str(self), retry_after=self.retry_after)
        return PermanentFailure(str(self))


def _error_of(response: httpx.Response) -> GraphError:
    try:
        body = response.json().get("error") or {}
    except (ValueError, AttributeError):
        body = {}
    retry = response.headers.get("Retry-After", "")
    return GraphError(
        status=response.status_code,
        code=body.get("code") if isinstance(body.get("code"), int) else None,
        subcode=body.get("error_subcode") if isinstance(body.get("error_subcode"), int)
        else None,
        message=str(body.get("message") or response.reason_phrase or "no message"),
        fbtrace_id=str(body.get("fbtrace_id") or ""),
        retry_after=float(retry) if retry.replace(".", "", 1).isdigit() else None,
    )


class GraphClient:
    """Calls on the Graph API with one Page's access token; every call has a timeout.

    Raises GraphError for an error object, TemporaryFailure for a network fault.
    """

    def __init__(self, page_id: str, token: str, *, graph_url: str = DEFAULT_GRAPH_URL,
                 version: str = DEFAULT_GRAPH_VERSION, timeout: float = 20.0) -> None:
        self.page_id = page_id
        self._token = token
        self._base = f"{graph_url.rstrip('/')}/{version}"
        self._http = httpx.Client(timeout=timeout, verify=shared_context())

    def close(self) -> None:
        self._http.close()

    def _call(self, method: str, path: str, *, params: dict[str, str] | None = None,
              json_body: dict[str, Any] | None = None, data: dict[str, str] | None = None,
              files: dict[str, tuple[str, bytes, str]] | None = None) -> dict[str, Any]:
        # The token as a header, never in a URL that a log or a proxy could keep.
        headers = {"Authorization": f"Bearer {self._token}"}
        try:
            response = self._http.request(method, f"{self._base}/{path.lstrip('/')}",
                                          params=params, json=json_body, data=data,
                                          files=files, headers=headers)
        except httpx.HTTPError as exc:
            raise TemporaryFailure(f"Graph API not reachable: {exc}") from exc
        if response.status_code >= 400:
            raise _error_of(response)
        try:
            result = response.json()
        except ValueError as exc:
            raise TemporaryFailure(f"Graph API answered something not JSON: {exc}") from exc
        if isinstance(result, dict) and "error" in result:
            raise _error_of(response)
        return result if isinstance(result, dict) else {"data": result}

    def me(self) -> dict[str, Any]:
        """The Page the token belongs to (`GET /me`): its id and name."""
        return self._call("GET", "me", params={"fields": "id,name"})

    def profile(self, psid: str) -> dict[str, Any]:
        """A person's first and last name, where the Page may read them."""
        return self._call("GET", psid, params={"fields": "first_name,last_name"})

    def send(self, recipient: dict[str, str], message: dict[str, Any]) -> dict[str, Any]:
        """The Send API: `{"recipient_id", "message_id"}`. `recipient` is `{"id": psid}` or,
        for a private reply to a comment, `{"comment_id": ...}`."""
        return self._call("POST", f"{self.page_id}/messages", json_body={
            "recipient": recipient, "messaging_type": "RESPONSE", "message": message})

    def send_file(self, recipient: dict[str, str], kind: str, filename: str, data: bytes,
                  content_type: str) -> dict[str, Any]:
        """A file uploaded with the message (multipart, the file as `filedata`)."""
        return self._call("POST", f"{self.page_id}/messages", data={
            "recipient": json.dumps(recipient), "messaging_type": "RESPONSE",
            "message": json.dumps({"attachment": {"type": kind, "payload": {}}}),
        }, files={"filedata": (filename, data, content_type)})

    def reply_to_comment(self, comment_id: str, text: str) -> dict[str, Any]:
        """A public answer under a comment (`POST /<comment_id>/comments`): `{"id"}`."""
        return self._call("POST", f"{comment_id}/comments", data={"message": text})

    def hide_comment(self, comment_id: str, hidden: bool = True) -> dict[str, Any]:
        """Hide a comment from everyone but its author and their friends: `{"success"}`."""
        return self._call("POST", comment_id, data={"is_hidden": "true" if hidden else "false"})

    def download(self, url: str, max_bytes: int) -> tuple[bytes, str]:
        """A file a webhook named (its URL is signed and expires): the bytes and type."""
        try:
            with self._http.stream("GET", url, follow_redirects=True) as response:
                if response.status_code >= 400:
                    response.read()
                    raise _error_of(response)
                chunks, size = [], 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        raise ValueError(f"larger than {max_bytes} bytes")
                    chunks.append(chunk)
                kind = response.headers.get("Content-Type", "application/octet-stream")
                return b"".join(chunks), kind.split(";")[0].strip()
        except httpx.HTTPError as exc:
            raise TemporaryFailure(f"file not reachable: {exc}") from exc
