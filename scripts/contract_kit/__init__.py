"""Helpers shared by the contract suites in tests/contract: which server, and the [DONE] check."""
