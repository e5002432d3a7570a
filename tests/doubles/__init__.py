"""Test doubles the folders share: a scripted fake API (fakes.py), a canned raw HTTP server
(canned_server.py), and their fixtures (fixtures.py, registered by tests/conftest.py)."""
