"""The desk's side of Telegram channels: settings, take-in (polling watcher, bounded
pull, webhook), the /start welcome, and the ledger of split messages' parts."""
