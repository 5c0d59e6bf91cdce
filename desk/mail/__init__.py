"""The e-mail channel's glue: settings from the config, fetch runs under a lease,
the IDLE watcher, and import from files. The protocols live in connectors.email."""
