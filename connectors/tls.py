"""The TLS context every HTTP client of the connectors shares.

Reading the CA certificates takes about 30 ms; a client made per webhook
delivery (Facebook, Telegram in webhook mode) paid it every time, which was
most of a delivery's cost. An SSLContext is safe to share between threads.
"""

import ssl
from functools import cache

import httpx


@cache
def shared_context() -> ssl.SSLContext:
    return httpx.create_ssl_context()
