#!/usr/bin/env bash
# Install the real browser the playground's browser tests drive: Debian's `chromium`, through
# apt-get, only when it is missing (Playwright is pointed at it; it never downloads a browser).
# Needs root (CI runs as root); without root and without chromium it says so and leaves the
# browser tests to skip.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" != "0" ]; then
  echo "install_browser.sh: /usr/bin/chromium is missing and this is not root: the browser tests will skip" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium >/dev/null
/usr/bin/chromium --version
