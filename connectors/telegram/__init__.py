"""Telegram's Bot API: reading updates into `InboundMessage` values and sending replies.

`api` drives python-telegram-bot's asyncio `Bot` from synchronous code,
`updates` reads an update, `send` delivers an `OutboundMessage`, `split`
cuts long text into Telegram's message size. No Flask or database here.
"""
