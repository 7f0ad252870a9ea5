#!/usr/bin/env bash
# Installs Debian's Chromium (the browser the end-to-end tests drive) and Playwright for
# Python into the venv. Idempotent; never downloads a browser build of its own.
#   scripts/e2e-browser.sh          install what is missing, print the chromium path
set -euo pipefail
cd "$(dirname "$0")/.."

CHROMIUM=/usr/bin/chromium
PY=${PY:-.venv/bin/python}

if [ ! -x "$CHROMIUM" ]; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    apt_get() { $SUDO env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 "$@"; }
    # Refresh the package lists only when they do not know the package (a fresh machine).
    if ! apt-cache show chromium >/dev/null 2>&1; then
        apt_get update -qq
    fi
    if ! apt_get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null; then
        # The lists may be stale (a security update replaced the version they name).
        apt_get update -qq
        apt_get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
    fi
fi

# Playwright drives the system Chromium through executable_path; its own browser
# download (`playwright install`) is never run.
if [ -x "$PY" ] && ! "$PY" -c "import playwright" >/dev/null 2>&1; then
    "$PY" -m pip install --quiet "playwright>=1.45"
fi

"$CHROMIUM" --version >&2
echo "$CHROMIUM"
