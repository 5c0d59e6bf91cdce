"""Channels set up on the admin page, not only in the config file.

- `keys`: the Fernet keys that encrypt their secrets (rotation with MultiFernet).
- `store`: the service that saves, validates, tests and deletes a set-up.
- `running`: the running config, the file's channels with the stored ones merged
  in, read again by every process within seconds of a change.
"""
