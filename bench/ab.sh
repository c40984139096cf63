#!/usr/bin/env bash
# bench/ab.sh — two daemons (or one daemon with two sets of flags) in
# alternating rounds of one run, so that both meet the same machine: the
# way to tell a change's cost from the machine's drift.
#
#   bash bench/ab.sh LABEL_A "BINARY_A [FLAGS...]" LABEL_B "BINARY_B [FLAGS...]"
#
# Each round starts each daemon afresh on a new database seeded from the
# same fixtures file (1,000 STOPPED tasks written by bench/gen_tasks), runs
# one wrk workload against it, and stops it. Prints every round's req/s and
# p99, the medians, and B's median as a share of A's. Works across schema
# versions (each daemon seeds its own database), so an old build can face a
# new one.
#
# Environment: AB_ROUNDS (5), AB_DURATION seconds (5), AB_CONNECTIONS (16),
# AB_WORKLOAD (stop_resume; the scripts of bench/lua/), AB_TASKS (1000).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
[ $# -eq 4 ] || { echo "usage: bench/ab.sh LABEL_A \"BIN_A [FLAGS]\" LABEL_B \"BIN_B [FLAGS]\"" >&2; exit 2; }
ROUNDS=${AB_ROUNDS:-5}
DURATION=${AB_DURATION:-5}
CONNECTIONS=${AB_CONNECTIONS:-16}
WORKLOAD=${AB_WORKLOAD:-stop_resume}
TASKS=${AB_TASKS:-1000}
command -v wrk >/dev/null || { echo "bench/ab.sh: wrk is missing (apt-get install wrk)" >&2; exit 1; }

WORK=$(mktemp -d /tmp/connector-mock-ab.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
cc -std=c11 -O2 -DGEN_TASKS_NO_STORE bench/gen_tasks.c -o "$WORK/gen_tasks" \
	$(pkg-config --cflags --libs libcjson) 2>"$WORK/gen.log" ||
	{ cat "$WORK/gen.log" >&2; exit 1; }
"$WORK/gen_tasks" --count "$TASKS" --fixtures-out "$WORK/fixtures.json" \
	--names-out "$WORK/names.txt" --names-count 1000 >/dev/null

# "BINARY [FLAGS]" with the binary's path made absolute: each daemon runs in
# a directory of its own, where no conf/ of the checkout reaches it.
absolute() { local bin=${1%% *}; echo "$(realpath "$bin")${1#"$bin"}"; }
A=$(absolute "$2")
B=$(absolute "$4")

# run_cell "BINARY [FLAGS]" -> "rps p99_us"
run_cell() {
	local dir=$WORK/cell
	rm -rf "$dir" && mkdir -p "$dir"
	# shellcheck disable=SC2086 # the flags are words on purpose
	(cd "$dir" && exec $1 --port 0 --db "$dir/mock.db" --fixtures "$WORK/fixtures.json" \
		--reset --log-level warn >"$dir/out" 2>"$dir/err") &
	local pid=$! port="" i
	for i in $(seq 100); do
		port=$(sed -n 's/.*listening on http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$dir/out")
		[ -n "$port" ] && break
		sleep 0.1
	done
	[ -n "$port" ] || { cat "$dir/err" >&2; kill "$pid"; exit 1; }
	local threads=2
	[ "$CONNECTIONS" -lt 2 ] && threads=1
	BENCH_LUA_DIR=$ROOT/bench/lua BENCH_TASKS=$WORK/names.txt BENCH_THREADS=$threads \
		BENCH_START_STATE=STOPPED BENCH_DELAY_MS=0 \
		wrk -t "$threads" -c "$CONNECTIONS" -d "${DURATION}s" --timeout 5s \
		-s "$ROOT/bench/lua/$WORKLOAD.lua" "http://127.0.0.1:$port" >"$dir/wrk" 2>&1 || true
	kill -TERM "$pid" && wait "$pid" || true
	local line
	line=$(grep '^BENCH_RESULT' "$dir/wrk") || { cat "$dir/wrk" >&2; exit 1; }
	grep -q ' bad=0' <<<"$line" || echo "bench/ab.sh: wrong answers: $line" >&2
	sed -n 's/.* rps=\([0-9.]*\).* p99_us=\([0-9]*\).*/\1 \2/p' <<<"$line"
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

printf '%s, %d connections, %d tasks, %d rounds of %d s, alternating\n\n' \
	"$WORKLOAD" "$CONNECTIONS" "$TASKS" "$ROUNDS" "$DURATION"
printf '| round | %s req/s | p99 ms | %s req/s | p99 ms |\n|---:|---:|---:|---:|---:|\n' "$1" "$3"
: >"$WORK/a" && : >"$WORK/b"
for round in $(seq "$ROUNDS"); do
	# alternate which goes first, so neither always meets a warmer machine
	if [ $((round % 2)) -eq 1 ]; then
		a=$(run_cell "$A") && b=$(run_cell "$B")
	else
		b=$(run_cell "$B") && a=$(run_cell "$A")
	fi
	echo "$a" >>"$WORK/a" && echo "$b" >>"$WORK/b"
	awk -v r="$round" -v a="$a" -v b="$b" 'BEGIN { split(a, x, " "); split(b, y, " ");
		printf "| %d | %.0f | %.2f | %.0f | %.2f |\n", r, x[1], x[2] / 1000, y[1], y[2] / 1000 }'
done
ma=$(cut -d' ' -f1 "$WORK/a" | median)
mb=$(cut -d' ' -f1 "$WORK/b" | median)
awk -v a="$ma" -v b="$mb" -v la="$1" -v lb="$3" 'BEGIN {
	printf "\nmedian: %s %.0f req/s, %s %.0f req/s; %s / %s = %.3f\n", la, a, lb, b, lb, la, b / a }'
