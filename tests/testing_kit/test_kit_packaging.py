"""How the kit is shipped: the plugin that every install registers must not need the kit's extra."""

from __future__ import annotations

import subprocess
import sys
import textwrap

# Run in a child interpreter where the testing extra's modules cannot be imported.
_WITHOUT_EXTRA = textwrap.dedent(
    """
    import sys
    for name in ("uvicorn", "jsonschema", "openapi_schema_validator", "referencing"):
        sys.modules[name] = None  # makes `import name` raise ImportError
    import aimlapi_gemini.testing.plugin as plugin
    assert callable(plugin.aimlapi_mock)
    try:
        from aimlapi_gemini.testing import MockAPI
    except ImportError as exc:
        print("kit:", exc)
    else:
        print("kit: imported")
    """
)


def test_the_plugin_loads_without_the_testing_extra_and_the_kit_does_not() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _WITHOUT_EXTRA], capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "kit: aimlapi_gemini.testing needs the testing extra (missing: jsonschema); "
        "pip install 'aimlapi-gemini[testing]'"
    )


def test_the_kit_imports_with_the_extra() -> None:
    result = subprocess.run(
        [sys.executable, "-c", "from aimlapi_gemini.testing import MockAPI; print(MockAPI.__name__)"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert (result.returncode, result.stdout.strip()) == (0, "MockAPI"), result.stderr
