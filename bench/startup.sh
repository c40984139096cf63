#!/bin/bash
# Start-to-ready time of connector-mock: from exec to the ready line on
# stdout, with a new database seeded from the default fixtures (the first
# start) and with the same database opened again (a restart).
# Usage: bench/startup.sh [ROUNDS]   (run from the repository root)
set -euo pipefail
rounds=${1:-20}
bin=${CONNECTOR_MOCK_BIN:-build/connector-mock}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

once() { # $1: "fresh" or "reopen"; prints microseconds
	[ "$1" = fresh ] && rm -f "$dir"/db*
	local start end line
	start=$(date +%s%N)
	coproc MOCK { exec "$bin" --config /dev/null --port 0 --db "$dir/db" \
		--fixtures fixtures/default.json 2>/dev/null; }
	read -r line <&"${MOCK[0]}"
	end=$(date +%s%N)
	kill "$MOCK_PID"
	wait "$MOCK_PID" || true
	case "$line" in "connector-mock listening on"*) ;; *) echo "no ready line" >&2; exit 1 ;; esac
	echo $(((end - start) / 1000))
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

for kind in fresh reopen; do
	for _ in $(seq "$rounds"); do once "$kind"; done | median |
		awk -v k="$kind" -v r="$rounds" '{ printf "start to ready (%s database): median %.1f ms over %d runs\n", k, $1 / 1000, r }'
done
