"""API v3 (TCP 4433): length-framed JSON on one persistent connection, writes signed.

Nothing here imports :mod:`..v2`; both build on the shared modules of the ``api`` package.
"""
