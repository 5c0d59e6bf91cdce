"""python-telegram-bot's asyncio `Bot`, driven from the desk's synchronous threads.

Every call runs on one event loop in a thread of its own, so a long poll waits
there, not in a worker job, and many bots share the loop. Each `BotApi` owns
its HTTP clients: close it (or use it as a context manager) to free them.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import threading
from collections.abc import Coroutine, Sequence
from typing import Any, TypeVar

from telegram import Bot, Message, User
from telegram.error import TimedOut
from telegram.request import HTTPXRequest

from connectors.tls import shared_context

DEFAULT_API_URL = "https://api.telegram.org"
T = TypeVar("T")

_loop: asyncio.AbstractEventLoop | None = None
_loop_lock = threading.Lock()


def _event_loop() -> asyncio.AbstractEventLoop:
    """The process's Telegram event loop, started on first use."""
    global _loop
    with _loop_lock:
        if _loop is None or _loop.is_closed():
            _loop = asyncio.new_event_loop()
            threading.Thread(target=_loop.run_forever, name="telegram-loop", daemon=True).start()
        return _loop


class _Bot(Bot):
    async def raw_updates(self, offset: int | None, timeout: int, limit: int,
                          allowed_updates: Sequence[str] | None) -> list[Any]:
        """getUpdates without parsing: one update the library cannot read must not
        hide the others (nor stop the offset), so each is read on its own later."""
        data: dict[str, Any] = {"timeout": timeout, "limit": limit}
        if offset is not None:
            data["offset"] = offset
        if allowed_updates is not None:
            data["allowed_updates"] = list(allowed_updates)
        # As Bot.get_updates does: the read may take the long poll's time on top.
        read_timeout = (self._request[0].read_timeout or 0) + timeout
        result = await self._post("getUpdates", data, read_timeout=read_timeout)
        return result if isinstance(result, list) else []


class BotApi:
    """One bot (token) at one Bot API server (`api_url`, a local one in tests)."""

    def __init__(self, token: str, api_url: str = DEFAULT_API_URL, *,
                 timeout: float = 20.0) -> None:
        base = api_url.rstrip("/")
        self.timeout = timeout

        def request(pool: int) -> HTTPXRequest:
            return HTTPXRequest(connection_pool_size=pool, read_timeout=timeout,
                                write_timeout=timeout, connect_timeout=timeout,
                                pool_timeout=timeout, media_write_timeout=timeout,
                                httpx_kwargs={"verify": shared_context()})

        self.bot = _Bot(token, base_url=f"{base}/bot", base_file_url=f"{base}/file/bot",
                        request=request(4), get_updates_request=request(1))
        self._running: set[concurrent.futures.Future[Any]] = set()
        self._closed = False

    def _run(self, coro: Coroutine[Any, Any, T], extra_wait: float = 0.0) -> T:
        if self._closed:
            coro.close()
            raise TimedOut("the bot connection is closed")
        future = asyncio.run_coroutine_threadsafe(coro, _event_loop())
        self._running.add(future)
        try:
            # The library's own timeouts end a call first; this only guards the thread.
            return future.result(self.timeout * 3 + extra_wait)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise TimedOut("no answer from the Bot API") from None
        except concurrent.futures.CancelledError:
            raise TimedOut("the call was cancelled: the bot connection is closing") from None
        finally:
            self._running.discard(future)

    def get_me(self) -> User:
        return self._run(self.bot.get_me())

    def get_updates(self, offset: int | None, timeout: int, limit: int = 100,
                    allowed_updates: Sequence[str] | None = None) -> list[Any]:
        """Raw updates after `offset` (confirming those before it), waiting up to
        `timeout` seconds for one."""
        return self._run(self.bot.raw_updates(offset, timeout, limit, allowed_updates),
                         extra_wait=timeout)

    def download(self, file_id: str) -> bytes:
        """A file's bytes: getFile, then the download from the file URL it names."""
        async def fetch() -> bytes:
            file = await self.bot.get_file(file_id)
            return bytes(await file.download_as_bytearray())

        return self._run(fetch())

    def send_message(self, chat_id: int | str, text: str) -> Message:
        return self._run(self.bot.send_message(chat_id, text))

    def send_document(self, chat_id: int | str, data: bytes, filename: str) -> Message:
        return self._run(self.bot.send_document(chat_id, data, filename=filename))

    def send_photo(self, chat_id: int | str, data: bytes, filename: str) -> Message:
        return self._run(self.bot.send_photo(chat_id, data, filename=filename))

    def set_webhook(self, url: str, secret_token: str | None,
                    allowed_updates: Sequence[str]) -> bool:
        return self._run(self.bot.set_webhook(url, secret_token=secret_token,
                                              allowed_updates=list(allowed_updates)))

    def delete_webhook(self) -> bool:
        return self._run(self.bot.delete_webhook())

    def close(self) -> None:
        """End calls in flight (a long poll) and close the HTTP clients."""
        if self._closed:
            return
        self._closed = True
        for future in list(self._running):
            future.cancel()
        requests = self.bot._request  # the two HTTPXRequest objects made above

        async def shutdown() -> None:
            await asyncio.gather(*(r.shutdown() for r in requests))

        asyncio.run_coroutine_threadsafe(shutdown(), _event_loop()).result(self.timeout)

    def __enter__(self) -> BotApi:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def update_bytes(update: Any) -> bytes:
    """An update as the raw bytes the desk keeps (quarantine, replay, audit)."""
    return json.dumps(update, ensure_ascii=False, separators=(",", ":")).encode()
