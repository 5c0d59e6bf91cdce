"""Telegram's Bot API: reading updates into `InboundMessage` values and sending replies.

`api` drives python-telegram-bot's asyncio `Bot` from synchronous code,
`updates` reads an update, `send` delivers an `OutboundMessage`, `split`
cuts long text into Telegram's message size. No Flask or database here.
"""

import os

# python-telegram-bot 22 returns durations and flood waits as whole seconds with a
# deprecation warning each time, or as timedelta (its next major version's type) when
# this is set. The connector reads both; opting in keeps the logs free of the warning.
os.environ.setdefault("PTB_TIMEDELTA", "true")
