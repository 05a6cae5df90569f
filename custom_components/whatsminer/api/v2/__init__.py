"""API v2 (TCP 4028): one JSON request per connection, privileged commands AES-encrypted.

Nothing here imports :mod:`..v3`; both build on the shared modules of the ``api`` package.
"""
