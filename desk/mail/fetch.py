"""One bounded fetch run per mailbox, under a lease: the e-mail driver's take-in.

A run reads the cursor from the channel row, skips Message-IDs the channel
already has (or that were deleted on purpose) before downloading bodies, takes
in each mail in its own transaction (or quarantines it), acknowledges it at
the server only after that commit, and only then stores the cursor past it.
A crash anywhere in between means the mail is fetched again and deduped.
"""

from __future__ import annotations

import logging

from sqlalchemy import exists, or_, select

from connectors.email.imap import ImapCursor, ImapError, ImapFetcher
from desk import leases
from desk.channels import channel_by_name, record_health
from desk.config import DeskConfig
from desk.database import transaction
from desk.drivers.base import TakeInReport
from desk.extensions import db
from desk.mail.settings import MailboxSettings, mailbox_settings, reads_mail
from desk.models import Channel, ExternalIdTombstone, Message, utcnow
from desk.normalise import bounded_id, derived_id
from desk.quarantine import take_in

log = logging.getLogger(__name__)


# A fetch run's report is the take-in report every driver gives.
FetchReport = TakeInReport


def mailboxes(config: DeskConfig) -> list[MailboxSettings]:
    """Every mailbox the desk reads; raises ConfigError on a bad option."""
    return [mailbox_settings(cfg, config) for cfg in config.channels if reads_mail(cfg)]


def lease_name(channel: str) -> str:
    return f"mailbox:{channel}"


def open_mailbox(settings: MailboxSettings) -> ImapFetcher:
    return ImapFetcher(settings.imap, settings.channel, access_token=settings.access_token)


def fetch_mailbox(settings: MailboxSettings, holder: str) -> FetchReport:
    """Connect, run once, disconnect: the poll job's unit of work."""
    lease = leases.LeaseKeeper(lease_name(settings.channel), holder, settings.lease_seconds)
    channel_id = enabled_channel_id(settings.channel)
    if channel_id is None:
        return FetchReport(settings.channel)
    if not lease.acquire():
        return FetchReport(settings.channel, busy=True)
    try:
        return recorded_run(settings, channel_id, lease, None)
    finally:
        lease.release()


def recorded_run(
    settings: MailboxSettings, channel_id: int, lease: leases.LeaseKeeper,
    imap: ImapFetcher | None,
) -> FetchReport:
    """A run on `imap` (or a connection of its own), with its health on the channel row."""
    started = utcnow()
    try:
        if imap is None:
            with open_mailbox(settings) as own:
                report = run_once(own, settings, channel_id, lease)
        else:
            report = run_once(imap, settings, channel_id, lease)
    except Exception as exc:
        db.session.rollback()
        log.warning("mailbox %s: %s", settings.channel, exc)
        # ImapError already says what failed; anything else is named by its type.
        error = str(exc) if isinstance(exc, ImapError) else f"{type(exc).__name__}: {exc}"
        report = FetchReport(settings.channel, error=error)
    record_health(channel_id, started, report.error)
    return report


def run_once(
    imap: ImapFetcher, settings: MailboxSettings, channel_id: int, lease: leases.LeaseKeeper
) -> FetchReport:
    """Take in at most `settings.batch_size` new mails; raises on a server error."""
    report = FetchReport(settings.channel)
    cursor = load_cursor(channel_id)
    if cursor is None and settings.start == "new":
        cursor = imap.current_cursor()
        save_cursor(channel_id, cursor)
    run = imap.fetch(cursor, settings.batch_size,
                     lambda mid, fingerprint: is_known(channel_id, mid, fingerprint))
    for item in run:
        taken = take_in(item.message, channel_id=channel_id, raw=item.raw, error=item.error,
                        source_id=item.source_id)
        report.outcomes[taken.outcome] += 1
        imap.ack(item)
        save_cursor(channel_id, run.cursor)
        if not lease.keep():
            report.error = "lease lost to another worker; run stopped"
            return report
    save_cursor(channel_id, run.cursor)  # past known mail skipped at the end
    report.skipped_known = run.skipped_known
    return report


def is_known(channel_id: int, external_id: str, fingerprint: str | None = None) -> bool:
    """The channel holds this mail, or it was deleted on purpose (tombstone).

    With a `fingerprint`, a message under the same Message-ID with another
    fingerprint is another mail (its mailer reuses ids): known only if the desk
    took it in under its derived id too.
    """
    external_id = bounded_id(external_id)
    held = exists().where(Message.channel_id == channel_id, Message.external_id == external_id)
    ways = [exists().where(ExternalIdTombstone.channel_id == channel_id,
                           ExternalIdTombstone.external_id == external_id)]
    if fingerprint is None:
        ways.append(held)
    else:
        ways.append(held.where(or_(Message.fingerprint.is_(None),
                                   Message.fingerprint == fingerprint)))
        ways.append(exists().where(Message.channel_id == channel_id,
                                   Message.external_id == derived_id(external_id, fingerprint)))
    known = db.session.scalar(select(or_(*ways)))
    db.session.rollback()  # hold no transaction open across the next network call
    return bool(known)


def load_cursor(channel_id: int) -> ImapCursor | None:
    row = db.session.get(Channel, channel_id)
    stored = row.cursor if row is not None else None
    db.session.rollback()
    if not stored or "uidvalidity" not in stored:
        return None
    return ImapCursor(int(stored["uidvalidity"]), int(stored.get("last_uid", 0)))


def save_cursor(channel_id: int, cursor: ImapCursor) -> None:
    value = {"uidvalidity": cursor.uidvalidity, "last_uid": cursor.last_uid}
    with transaction() as session:
        row = session.get(Channel, channel_id)
        if row is not None and row.cursor != value:
            row.cursor = value


def enabled_channel_id(name: str) -> int | None:
    """The channel row's id, or None when an admin has switched the channel off."""
    channel = channel_by_name(name)
    channel_id = channel.id if channel.enabled else None
    db.session.rollback()
    return channel_id
