"""Channel connectors: one module per protocol.

A connector turns what its source gives into `InboundMessage` values and sends
`OutboundMessage` values. It knows nothing of Flask or the database; `desk`
owns dedupe, threading, contacts, receipts and the transaction.
"""
