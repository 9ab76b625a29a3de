#!/usr/bin/env bash
# PostgreSQL and Redis for the queue-mode test, from Debian's packages, installed only when missing.
# The test starts its own instances on 127.0.0.1 and stops them; the packages' own services stay off.
set -euo pipefail
need=()
ls /usr/lib/postgresql/*/bin/initdb > /dev/null 2>&1 || need+=(postgresql)
command -v redis-server > /dev/null 2>&1 || need+=(redis-server)
if [ "${#need[@]}" -gt 0 ]; then
	echo "queue test: installing ${need[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" > /dev/null
fi
# Debian starts the packaged services on install; this test uses its own, so stop those.
service postgresql stop > /dev/null 2>&1 || true
service redis-server stop > /dev/null 2>&1 || true
echo "queue test: $(ls -d /usr/lib/postgresql/*/bin | tail -1), $(redis-server --version | cut -d' ' -f1-3)"
