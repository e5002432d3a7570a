# Copied from scripts/package/aimlapi_gemini/integrations/__init__.py by `make generate`.
# Do not edit here: edit the source there, then regenerate.
"""Integrations with data engines (``aimlapi_gemini.integrations.ray``: Ray Data). Each is imported
on its own, never by ``import aimlapi_gemini``, and needs its extra (``pip install
'aimlapi-gemini[ray]'``)."""
