"""The web app's own tests (Vitest: components, the stream reader) run with the suite."""

from __future__ import annotations

import os
import shutil
import subprocess

from tests.e2e.helpers import WEB, unavailable


def test_vitest_suite_passes() -> None:
    npm = shutil.which("npm")
    if npm is None:
        unavailable("npm is not installed")
    if not (WEB / "node_modules" / ".bin" / "vitest").exists():
        unavailable("web/node_modules is missing: run `make web`")
    result = subprocess.run(
        [str(npm), "test", "--", "--run", "--reporter=dot"],
        cwd=WEB,
        env={**os.environ, "CI": "true", "NO_COLOR": "1", "FORCE_COLOR": "0"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"vitest failed:\n{output[-6000:]}"
    assert " passed" in output and " failed" not in output, output[-2000:]
