#!/usr/bin/env bash
# Installs Debian's Chromium for the editor test (never a browser downloaded by a test tool).
# Skips the install when /usr/bin/chromium is already there.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
	echo "chromium for ui: $(/usr/bin/chromium --version 2>/dev/null)"
	exit 0
fi
start=$(date +%s)
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium >/dev/null
echo "chromium for ui: $(/usr/bin/chromium --version 2>/dev/null), installed in $(( $(date +%s) - start )) s"
