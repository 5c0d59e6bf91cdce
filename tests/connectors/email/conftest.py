from tests.mailservers import (
    imap_server,
    imap_starttls_server,
    smtp_auth_server,
    smtp_server,
    smtp_starttls_server,
    smtp_tls_server,
    tls_certificate,
)

__all__ = [
    "imap_server",
    "imap_starttls_server",
    "smtp_auth_server",
    "smtp_server",
    "smtp_starttls_server",
    "smtp_tls_server",
    "tls_certificate",
]
