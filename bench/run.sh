#!/bin/bash
# bench/run.sh — `make bench`: connector-mock against a bare libmicrohttpd
# baseline and WireMock, under wrk. See bench/README.md for what each figure
# means. Run from anywhere; it works from the repository root.
#
# Settings (environment):
#   BENCH_ROUNDS=3            rounds; every cell runs once per round, and the
#                             table shows medians over rounds
#   BENCH_DURATION=5          seconds of load per cell ("5" or "5s")
#   BENCH_CONNECTIONS="1 16 64"
#   BENCH_WORKLOADS="stop_resume update migrate get_task"
#   BENCH_SERVER_THREADS=2    --threads of connector-mock, when server/http.c
#                             uses a thread pool
#   BENCH_BASELINE_MODES="per-connection epoll pool"   the baseline's
#                             libmicrohttpd configurations to measure; the
#                             fastest is the baseline of every ratio
#   BENCH_BASELINE_PROBE=3    seconds of stop/resume at 16 connections per
#                             configuration and round of that measurement
#   BENCH_BASELINE_PROBE_ROUNDS=3
#   BENCH_WRK_THREADS=1       wrk -t (at most the connections)
#   BENCH_SCALE_SIZES="1000 100000 1000000"   tasks in the database for the
#                             mutating-throughput-by-size cells ("" skips)
#   BENCH_STARTUP_RUNS=20     start-to-ready runs per kind
#   BENCH_WIREMOCK=auto       auto: run WireMock when Java and npm are there;
#                             off: skip it
#   BENCH_WIREMOCK_WARMUP=5   seconds of load on each WireMock before its
#                             measured run (its JIT), scenarios reset after
#   BENCH_WIREMOCK_MATCH=url  url: stubs match the whole URL; query: path +
#                             taskName query parameter (slower)
#   BENCH_PACED_RATE=2000     the offered load (req/s) of the paced-latency
#                             cells (16 connections); 0 skips them
#   BENCH_PACED_WORKLOADS     the workloads of the paced cells (default: all of
#                             BENCH_WORKLOADS)
#   BENCH_WAIT_QUIET=30       before each cell, wait up to this many seconds
#                             for other work on the machine to stop; a cell
#                             disturbed by other work is run once more
#   BENCH_WORK=bench/.work    scratch (databases, logs, raw records)
#   BENCH_RESULTS=bench/results   where the report goes (latest.md)
#   CONNECTOR_MOCK_BIN=build/connector-mock
#   BENCH_NOTE                a line of context for the report's header
#   BENCH_SIMULATE=0          1: connector-mock runs every cell with its
#                             namespace's simulation on (docs/simulation.md)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

ROUNDS=${BENCH_ROUNDS:-3}
DURATION=${BENCH_DURATION:-5}
DURATION=${DURATION%s}
CONNECTIONS=${BENCH_CONNECTIONS:-1 16 64}
WORKLOADS=${BENCH_WORKLOADS:-stop_resume update migrate get_task}
SERVER_THREADS=${BENCH_SERVER_THREADS:-2}
BASELINE_MODES=${BENCH_BASELINE_MODES:-per-connection epoll pool}
BASELINE_PROBE=${BENCH_BASELINE_PROBE:-3}
BASELINE_PROBE=${BASELINE_PROBE%s}
BASELINE_PROBE_ROUNDS=${BENCH_BASELINE_PROBE_ROUNDS:-3}
WRK_THREADS=${BENCH_WRK_THREADS:-1}
SCALE_SIZES=${BENCH_SCALE_SIZES-1000 100000 1000000}
STARTUP_RUNS=${BENCH_STARTUP_RUNS:-20}
WIREMOCK_MODE=${BENCH_WIREMOCK:-auto}
WIREMOCK_WARMUP=${BENCH_WIREMOCK_WARMUP:-5}
WIREMOCK_MATCH=${BENCH_WIREMOCK_MATCH:-url}
WAIT_QUIET=${BENCH_WAIT_QUIET:-30}
PACED_RATE=${BENCH_PACED_RATE:-2000}
PACED_WORKLOADS=${BENCH_PACED_WORKLOADS:-$WORKLOADS}
WORK=${BENCH_WORK:-bench/.work}
MOCK_BIN=${CONNECTOR_MOCK_BIN:-build/connector-mock}
SIMULATE=${BENCH_SIMULATE:-0}
BIN=build/bench
RESULTS=${BENCH_RESULTS:-bench/results}
WIREMOCK_DIR=bench/.wiremock

say() { printf '%s\n' "$*" >&2; }
die() { say "bench: $*"; exit 1; }

# ---- build ----------------------------------------------------------------

command -v wrk >/dev/null || {
	if [ "$(id -u)" = 0 ]; then
		say "installing: wrk"
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk) \
			>/dev/null || die "cannot install wrk"
	else
		die "wrk is missing; run: sudo apt-get install -y wrk"
	fi
}
say "== build"
make --no-print-directory all >&2
mkdir -p "$BIN" "$WORK" "$RESULTS"
# The baseline keeps the daemon's per-connection settings, read from
# server/ wherever they are defined (NAME = value in an enum or a #define):
# its connections' thread stack and memory pool. Its threading is
# libmicrohttpd's fastest on this machine, measured below.
server_constant() { # NAME: the value of the first `[PREFIX]NAME = ...` in server/
	cat server/*.h server/*.c | sed -n "s/.*[^A-Z_]\([A-Z_]*_\)\{0,1\}$1 *= *\([0-9][0-9* ]*[0-9]\).*/\2/p" |
		head -n 1
}
MHD_POOL=0
grep -q 'MHD_OPTION_THREAD_POOL_SIZE' server/*.c && MHD_POOL=1
MHD_STACK=0
grep -q 'MHD_OPTION_THREAD_STACK_SIZE' server/*.c && MHD_STACK=$(server_constant THREAD_STACK)
MHD_MEMORY=$(server_constant CONNECTION_MEMORY)
BASELINE_DEFS=()
BASELINE_CONFIG_NOTE=""
if [ -n "$MHD_STACK" ] && [ -n "$MHD_MEMORY" ]; then
	BASELINE_DEFS=("-DBASELINE_STACK=($MHD_STACK)" "-DBASELINE_CONN_MEMORY=($MHD_MEMORY)")
	BASELINE_SETTINGS="connection memory $MHD_MEMORY, thread stack $([ "$MHD_STACK" = 0 ] && echo default || echo "$MHD_STACK") (read from server/)"
else
	BASELINE_SETTINGS="bench/baseline.c's built-in connection memory and thread stack"
	BASELINE_CONFIG_NOTE="could not read the daemon's connection memory ('$MHD_MEMORY') and thread stack ('$MHD_STACK') from server/: the baseline runs with bench/baseline.c's own; check them against server/http.c"
fi
# --threads only where the daemon has a thread pool (it warns otherwise)
MOCK_THREADS=()
[ "$MHD_POOL" = 1 ] && MOCK_THREADS=(--threads "$SERVER_THREADS")
PKGS="libmicrohttpd libcjson sqlite3"
CFLAGS_BENCH="-std=c11 -O2 -Wall -Wextra -Werror -pthread $(pkg-config --cflags $PKGS)"
LIBS_BENCH="$(pkg-config --libs $PKGS) -pthread -lm"
# shellcheck disable=SC2086
{
	cc $CFLAGS_BENCH "${BASELINE_DEFS[@]}" bench/baseline.c -o "$BIN/baseline" $LIBS_BENCH
	cc $CFLAGS_BENCH bench/launch.c -o "$BIN/launch"
	cc $CFLAGS_BENCH bench/disk_probe.c -o "$BIN/disk_probe"
	# not run by this script: a tool for profiling the store (bench/README.md)
	cc $CFLAGS_BENCH -g bench/store_ops.c store/*.c -o "$BIN/store_ops" $LIBS_BENCH
	# nor this one: how large the WAL grows under commits (bench/README.md)
	cc $CFLAGS_BENCH bench/wal_bound.c store/*.c -o "$BIN/wal_bound" $LIBS_BENCH
} || die "cannot build the bench binaries"
# gen_tasks links the store's own sources, as they are now, so the schema is
# the daemon's. When it no longer compiles against the store's API, a
# store-less gen_tasks writes a fixtures file and the daemon seeds from it.
GEN_MODE=store
# shellcheck disable=SC2086
if ! cc $CFLAGS_BENCH bench/gen_tasks.c store/*.c -o "$BIN/gen_tasks" $LIBS_BENCH \
	2>"$BIN/gen_tasks.log"; then
	say "bench: bench/gen_tasks.c does not compile against store/ (see $BIN/gen_tasks.log);"
	say "       the daemon seeds the databases from fixtures files instead"
	cc $CFLAGS_BENCH -DGEN_TASKS_NO_STORE bench/gen_tasks.c -o "$BIN/gen_tasks" ||
		die "cannot build gen_tasks"
	GEN_MODE=daemon
fi

WORK=$(cd "$WORK" && pwd)
RAW=$WORK/cells.tsv
STARTUP=$WORK/startup.tsv
NOTES=$WORK/notes.txt
: >"$RAW"
: >"$STARTUP"
: >"$NOTES"
note() { say "!! $*"; printf '%s\n' "$*" >>"$NOTES"; }
[ -z "$BASELINE_CONFIG_NOTE" ] || note "$BASELINE_CONFIG_NOTE"

# The machine's busy time (all CPUs, clock ticks), from /proc/stat: with the
# server's and wrk's own CPU time it tells how much else ran during a cell.
machine_busy() { awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat; }
busy0=$(machine_busy)
sleep 1
busy1=$(machine_busy)
IDLE_CHECK=$(awk -v a="$busy0" -v b="$busy1" -v t="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", (b - a) / t }')
awk -v x="$IDLE_CHECK" 'BEGIN { exit !(x > 0.15) }' &&
	say "bench: the machine is not idle: $IDLE_CHECK CPUs busy with other work (load average $(cut -d' ' -f1-3 /proc/loadavg)); each cell waits up to ${WAIT_QUIET} s for quiet, and one disturbed is run again"

# ---- databases ------------------------------------------------------------
# Generated once per version of the store's sources (and of gen_tasks.c):
# bench/.work/db-KEY/tasks-N.db and names-N.txt (1,000 names spread evenly).

key=$( (echo "$GEN_MODE"; cat store/*.c store/*.h bench/gen_tasks.c) | sha1sum | cut -c1-12)
DBDIR=$WORK/db-$key
mkdir -p "$DBDIR"
for old in "$WORK"/db-*; do [ "$old" = "$DBDIR" ] || rm -rf "$old"; done
[ "$GEN_MODE" = store ] ||
	note "bench/gen_tasks.c does not compile against the store's API any more ($(grep -m1 error: "$BIN/gen_tasks.log" || true)): the daemon seeded the databases from fixtures files; update gen_tasks.c"
FIXTURES_MAX=$((64 * 1024 * 1024)) # server/fixtures_file.h
gen() { # $1: tasks; 1 when it cannot be made
	local n=$1
	[ -f "$DBDIR/tasks-$n.db" ] && [ -f "$DBDIR/names-$n.txt" ] && return 0
	say "== generating a database of $n tasks"
	local t0 t1
	t0=$(date +%s.%N)
	rm -f "$DBDIR"/tmp.*
	if [ "$GEN_MODE" = store ]; then
		"$BIN/gen_tasks" --db "$DBDIR/tmp.db" --count "$n" --names-out "$DBDIR/names-$n.txt" \
			--names-count 1000 >&2 || die "gen_tasks failed for $n tasks"
	else
		"$BIN/gen_tasks" --fixtures-out "$DBDIR/tmp.json" --count "$n" \
			--names-out "$DBDIR/names-$n.txt" --names-count 1000 >&2 ||
			die "gen_tasks failed for $n tasks"
		if [ "$(stat -c %s "$DBDIR/tmp.json")" -gt $FIXTURES_MAX ]; then
			note "no database of $n tasks: its fixtures file passes the daemon's 64 MiB cap, and gen_tasks cannot use the store's API"
			rm -f "$DBDIR"/tmp.*
			return 1
		fi
		"$BIN/launch" --once "$DBDIR/tmp.info" -- "$MOCK_BIN" --config /dev/null --port 0 \
			--db "$DBDIR/tmp.db" --fixtures "$DBDIR/tmp.json" --reset >/dev/null ||
			die "the daemon could not seed $n tasks"
		grep -q '^exit=0' "$DBDIR/tmp.info.exit" || die "the daemon seeding $n tasks did not stop cleanly"
		rm -f "$DBDIR/tmp.json" "$DBDIR"/tmp.info*
	fi
	t1=$(date +%s.%N)
	mv "$DBDIR/tmp.db" "$DBDIR/tasks-$n.db"
	awk -v n="$n" -v a="$t0" -v b="$t1" 'BEGIN { printf "%s %.1f\n", n, b - a }' >>"$DBDIR/gen-times"
}
gen 1000 || die "cannot make the 1,000-task database"
HAVE_100K=1
gen 100000 || HAVE_100K=0
sizes=""
for n in $SCALE_SIZES; do gen "$n" && sizes="$sizes $n"; done
SCALE_SIZES=${sizes# }

# ---- servers --------------------------------------------------------------

CELL=$WORK/cell
mkdir -p "$CELL"
CLK_TCK=$(getconf CLK_TCK)

cpu_ticks() { # utime + stime of a process, in clock ticks
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || { echo -1; return; }
	stat=${stat##*) }
	# shellcheck disable=SC2086
	set -- $stat
	echo $((${12} + ${13}))
}
status_kb() { # $1 pid, $2 key (VmHWM, VmRSS)
	awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status" 2>/dev/null || echo -1
}

SRV_PID="" SRV_PORT="" SRV_RSS="" SRV_READY="" LAUNCH_PID=""
# start_server KIND DB: starts one server on a free port and waits for its
# ready line. KIND: baseline, normal, full, wiremock.
start_server() {
	local kind=$1 db=${2:-} info=$CELL/info
	local -a cmd
	rm -f "$info" "$info.exit" "$info.pid"
	SRV_PID=""
	case $kind in
	baseline) cmd=("$BIN/baseline" --mode "$BASELINE_MODE" --port 0) ;;
	normal | full)
		cmd=("$MOCK_BIN" --config /dev/null --port 0 "${MOCK_THREADS[@]}" --db "$db"
			--durability "$kind") ;;
	wiremock)
		cmd=(java -jar "$WIREMOCK_JAR" --port 0 --bind-address 127.0.0.1
			--root-dir "$WORK/wiremock" --disable-banner) ;;
	esac
	"$BIN/launch" "$info" -- "${cmd[@]}" >"$CELL/server.out" 2>"$CELL/server.err" &
	LAUNCH_PID=$!
	local waited=0 limit=1000 # 10 ms steps
	[ "$kind" = wiremock ] && limit=6000
	while [ ! -f "$info" ]; do
		sleep 0.01
		waited=$((waited + 1))
		if [ $waited -ge $limit ] || ! kill -0 "$LAUNCH_PID" 2>/dev/null; then
			[ -f "$info" ] && break
			SRV_PID=$(cat "$info.pid" 2>/dev/null || true)
			return 1
		fi
	done
	grep -q '^pid=' "$info" || { SRV_PID=$(cat "$info.pid" 2>/dev/null || true); return 1; }
	local line
	line=$(cat "$info")
	SRV_PID=$(sed -n 's/.*pid=\([0-9]*\).*/\1/p' <<<"$line")
	SRV_PORT=$(sed -n 's/.*port=\([0-9]*\).*/\1/p' <<<"$line")
	SRV_READY=$(sed -n 's/.*ready_us=\([0-9]*\).*/\1/p' <<<"$line")
	SRV_RSS=$(sed -n 's/.*rss_idle_kb=\([-0-9]*\).*/\1/p' <<<"$line")
}

# stop_server: SIGTERM, wait for the exit (the daemon drains for up to 10 s);
# prints the exit line (exit=N / signal=N / hung).
stop_server() {
	local info=$CELL/info waited=0
	if [ -z "$SRV_PID" ]; then
		wait "$LAUNCH_PID" 2>/dev/null || true
		echo "exit=none"
		return
	fi
	kill -TERM "$SRV_PID" 2>/dev/null || true
	while [ ! -f "$info.exit" ] && [ $waited -lt 1500 ]; do
		sleep 0.01
		waited=$((waited + 1))
	done
	if [ ! -f "$info.exit" ]; then
		kill -KILL "$SRV_PID" 2>/dev/null || true
		wait "$LAUNCH_PID" 2>/dev/null || true
		echo hung
		return
	fi
	wait "$LAUNCH_PID" 2>/dev/null || true
	cat "$info.exit"
}

# ---- WireMock -------------------------------------------------------------

WIREMOCK_JAR=""
WIREMOCK_SKIP=""
wiremock_prepare() {
	[ "$WIREMOCK_MODE" = off ] && { WIREMOCK_SKIP="BENCH_WIREMOCK=off"; return; }
	command -v java >/dev/null || { WIREMOCK_SKIP="no java on PATH"; return; }
	java -version >/dev/null 2>&1 || { WIREMOCK_SKIP="java -version fails"; return; }
	WIREMOCK_JAR=$(ls "$WIREMOCK_DIR"/node_modules/wiremock/build/wiremock-standalone-*.jar \
		2>/dev/null | head -n 1 || true)
	if [ -z "$WIREMOCK_JAR" ]; then
		command -v npm >/dev/null || { WIREMOCK_SKIP="no npm on PATH to install it"; return; }
		say "== npm install --prefix $WIREMOCK_DIR wiremock"
		mkdir -p "$WIREMOCK_DIR"
		if ! npm install --prefix "$WIREMOCK_DIR" --no-audit --no-fund --loglevel=error \
			wiremock >"$WORK/npm.log" 2>&1; then
			WIREMOCK_SKIP="npm install wiremock failed: $(grep -m1 -i err "$WORK/npm.log" || tail -n 1 "$WORK/npm.log")"
			return
		fi
		WIREMOCK_JAR=$(ls "$WIREMOCK_DIR"/node_modules/wiremock/build/wiremock-standalone-*.jar \
			2>/dev/null | head -n 1 || true)
		[ -n "$WIREMOCK_JAR" ] || {
			WIREMOCK_SKIP="the wiremock npm package holds no wiremock-standalone jar"
			return
		}
	fi
	WIREMOCK_JAR=$(cd "$(dirname "$WIREMOCK_JAR")" && pwd)/$(basename "$WIREMOCK_JAR")
	rm -rf "$WORK/wiremock"
	mkdir -p "$WORK/wiremock/mappings" "$WORK/wiremock/__files"
	awk -v match_mode="$WIREMOCK_MATCH" -f bench/wiremock_mappings.awk "$DBDIR/names-1000.txt" \
		>"$WORK/wiremock/mappings/oms.json"
	# does it start and answer as expected?
	if ! start_server wiremock; then
		WIREMOCK_SKIP="WireMock did not start: $(tail -n 3 "$CELL/server.err" | tr '\n' ' ')"
		return
	fi
	local first answer
	first=$(head -n 1 "$DBDIR/names-1000.txt")
	answer=$(curl -s -XPOST "http://127.0.0.1:$SRV_PORT/connector/task/v2/resume?taskName=${first//:/%3A}" || true)
	stop_server >/dev/null
	case $answer in
	*'"isSuccess":true'*) ;;
	*) WIREMOCK_SKIP="WireMock answered the first resume wrongly: ${answer:0:200}" ;;
	esac
}
wiremock_prepare
if [ -n "$WIREMOCK_SKIP" ]; then
	say "WireMock: skipped ($WIREMOCK_SKIP)"
else
	WIREMOCK_VERSION=$(basename "$WIREMOCK_JAR" .jar | sed 's/wiremock-standalone-//')
	say "WireMock: $WIREMOCK_VERSION ($WIREMOCK_JAR)"
fi

# ---- cells ----------------------------------------------------------------

# When wrk stops, WireMock may still hold requests of the warm-up that it
# has not matched yet; one served after the scenarios reset would move a
# task's scenario and make the measured run's first request for it wrong.
# So wait until its journal stops growing (at most 30 s).
wiremock_settle() {
	local last=-1 now same=0 i
	for ((i = 0; i < 150; i++)); do
		now=$(curl -s -m 5 -XPOST "http://127.0.0.1:$SRV_PORT/__admin/requests/count" \
			-d '{"method":"ANY"}' | sed -n 's/.*"count" *: *\([0-9]*\).*/\1/p')
		if [ -n "$now" ] && [ "$now" = "$last" ]; then
			same=$((same + 1))
			[ $same -ge 2 ] && return 0
		else
			same=0
		fi
		last=$now
		sleep 0.2
	done
	note "WireMock did not settle after its warm-up"
}

# run_wrk WORKLOAD CONNS DURATION TASKFILE START_STATE -> the BENCH_RESULT line
run_wrk() {
	local threads=$WRK_THREADS
	[ "$threads" -gt "$2" ] && threads=$2
	local TIMEFORMAT='%U %S'
	local delay_ms=0
	# paced: every connection waits so that all together offer PACED_RATE req/s
	[ "${1#*@}" = paced ] && delay_ms=$((1000 * $2 / PACED_RATE))
	{ time BENCH_LUA_DIR=$ROOT/bench/lua BENCH_TASKS=$4 BENCH_THREADS=$threads \
		BENCH_START_STATE=$5 BENCH_DELAY_MS=$delay_ms \
		wrk -t "$threads" -c "$2" -d "${3}s" --timeout 5s --latency \
		-s "$ROOT/bench/lua/${1%@*}.lua" "http://127.0.0.1:$SRV_PORT" >"$CELL/wrk.out" 2>&1 ||
		true; } 2>"$CELL/wrk.time"
	local line
	line=$(grep '^BENCH_RESULT' "$CELL/wrk.out") || line="BENCH_RESULT failed=1"
	echo "$line wrk_cpu=$(awk '{ printf "%.3f", $1 + $2 }' "$CELL/wrk.time")"
}

field() { sed -n "s/.* $1=\([-0-9.]*\).*/\1/p" <<<" $2"; }

# Waits, at most BENCH_WAIT_QUIET seconds, until other work on the machine
# uses less than 0.3 CPU (sampled over 0.3 s).
wait_quiet() {
	local b0 b1 busy waited=0
	while :; do
		b0=$(machine_busy)
		sleep 0.3
		b1=$(machine_busy)
		busy=$(awk -v a="$b0" -v b="$b1" -v t="$CLK_TCK" 'BEGIN { printf "%.2f", (b - a) / t / 0.3 }')
		awk -v x="$busy" 'BEGIN { exit !(x < 0.3) }' && return 0
		if [ "$waited" -ge "$WAIT_QUIET" ]; then
			say "   the machine is still busy ($busy CPUs); going on"
			return 0
		fi
		[ "$waited" = 0 ] && say "   waiting for the machine to be quiet ($busy CPUs busy with other work)"
		sleep 2
		waited=$((waited + 2))
	done
}

# Notes of one attempt at a cell: kept until the attempt is kept.
cell_note() { printf '%s\n' "$*" >>"$CELL/notes"; }
cell_flush() {
	[ -s "$CELL/notes" ] && while IFS= read -r line; do note "$line"; done <"$CELL/notes"
	rm -f "$CELL/notes"
}

# run_cell ROUND WORKLOAD CONNS SERVER TASKS LAST: one cell, one attempt.
# Returns 3, recording nothing, when other work on the machine disturbed
# the run and LAST is 0 (the caller then tries again).
run_cell() {
	local round=$1 workload=$2 conns=$3 server=$4 tasks=$5 last=$6
	local db="" label="$workload c=$conns $server tasks=$tasks round $round"
	rm -f "$CELL/notes"
	wait_quiet
	if [ "$server" = normal ] || [ "$server" = full ]; then
		db=$CELL/db
		rm -f "$db" "$db-wal" "$db-shm"
		cp "$DBDIR/tasks-$tasks.db" "$db"
		# on disk before the server starts, as a database at rest is: else
		# the daemon's first checkpoint fsync writes out the whole copy
		# (274 ms with 1M tasks, seen in strace) and the cell measures cp
		sync "$db"
	fi
	if ! start_server "$server" "$db"; then
		cell_note "$label: the server did not start: $(tail -n 3 "$CELL/server.err" | tr '\n' ' ')"
		stop_server >/dev/null 2>&1 || true
		cell_flush
		return 0
	fi
	# the databases exist already: the simulation is turned on through the API
	if [ "$SIMULATE" = 1 ] && [ -n "$db" ] &&
		! curl -sf -XPUT "http://127.0.0.1:$SRV_PORT/_mock/simulation" \
			-d '{"enabled":true}' >/dev/null; then
		cell_note "$label: the simulation could not be turned on"
	fi
	if [ "$server" = wiremock ] && [ "$WIREMOCK_WARMUP" -gt 0 ]; then
		run_wrk "$workload" "$conns" "$WIREMOCK_WARMUP" "$DBDIR/names-$tasks.txt" STOPPED >/dev/null
		wiremock_settle
		curl -s -XPOST "http://127.0.0.1:$SRV_PORT/__admin/scenarios/reset" >/dev/null
		curl -s -XDELETE "http://127.0.0.1:$SRV_PORT/__admin/requests" >/dev/null
	fi
	local cpu0 cpu1 result hwm alive=1 exit m0 m1 probe=""
	# beside connector-mock, the disk's own sync latency during the run
	# (bench/disk_probe): a stall of the disk shows next to the p99 it moved
	if [ -n "$db" ]; then
		"$BIN/disk_probe" "$CELL/disk-probe" "$DURATION" >"$CELL/disk-probe.out" 2>&1 &
		probe=$!
	fi
	m0=$(machine_busy)
	cpu0=$(cpu_ticks "$SRV_PID")
	result=$(run_wrk "$workload" "$conns" "$DURATION" "$DBDIR/names-$tasks.txt" STOPPED)
	cpu1=$(cpu_ticks "$SRV_PID")
	m1=$(machine_busy)
	local disk_p99=- disk_max=-
	if [ -n "$probe" ]; then
		if wait "$probe"; then
			disk_p99=$(field p99_us "$(cat "$CELL/disk-probe.out")")
			disk_max=$(field max_us "$(cat "$CELL/disk-probe.out")")
		else
			cell_note "$label: the disk probe failed: $(tr '\n' ' ' <"$CELL/disk-probe.out")"
		fi
	fi
	hwm=$(status_kb "$SRV_PID" VmHWM)
	kill -0 "$SRV_PID" 2>/dev/null || alive=0
	exit=$(stop_server)
	if [ "$(field failed "$result")" = 1 ]; then
		cell_note "$label: wrk failed: $(tail -n 3 "$CELL/wrk.out" | tr '\n' ' ')"
		cell_flush
		return 0
	fi
	[ "$alive" = 1 ] || cell_note "$label: the server died during the run ($exit)"
	case $server:$exit in
	wiremock:*) ;; # the JVM answers SIGTERM with 143
	*:exit=0) ;;
	*) cell_note "$label: the server stopped with $exit after SIGTERM" ;;
	esac
	local errs
	errs=$(($(field connect "$result") + $(field read "$result") + $(field write "$result") + $(field timeout "$result")))
	[ "$errs" -gt 0 ] && cell_note "$label: wrk socket errors: connect $(field connect "$result"), read $(field read "$result"), write $(field write "$result"), timeout $(field timeout "$result")"
	[ "$(field bad "$result")" -gt 0 ] && cell_note "$label: $(field bad "$result") non-success answers of $(field requests "$result")"
	if [ "$server" != wiremock ] && grep -qiE ' (warn|error) |sanitizer|abort|panic' "$CELL/server.err"; then
		cell_note "$label: server log: $(grep -iE ' (warn|error) |sanitizer|abort|panic' "$CELL/server.err" | head -n 3 | tr '\n' ' ')"
	fi
	local cpu_s other
	cpu_s=$(awk -v a="$cpu0" -v b="$cpu1" -v t="$CLK_TCK" 'BEGIN { printf "%.3f", (b - a) / t }')
	# CPUs busy with something else than this server and wrk, on average
	other=$(awk -v a="$m0" -v b="$m1" -v t="$CLK_TCK" -v s="$cpu_s" -v w="$(field wrk_cpu "$result")" \
		-v d="$(field duration_us "$result")" \
		'BEGIN { x = ((b - a) / t - s - w) / (d / 1e6); printf "%.2f", x < 0 ? 0 : x }')
	if awk -v x="$other" 'BEGIN { exit !(x > 0.15) }'; then
		if [ "$last" = 0 ]; then
			say "   $label: $other CPUs busy with other work during the run; once more"
			rm -f "$CELL/notes"
			return 3
		fi
		cell_note "$label: $other CPUs busy with other work during the run (load average $(cut -d' ' -f1-3 /proc/loadavg))"
	fi
	cell_flush
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
		"$round" "$workload" "$conns" "$server" "$tasks" \
		"$(field rps "$result")" "$(field p50_us "$result")" "$(field p99_us "$result")" \
		"$(field p999_us "$result")" "$(field requests "$result")" "$(field ok "$result")" \
		"$(field bad "$result")" "$errs" "$cpu_s" "$(field duration_us "$result")" \
		"$hwm" "$SRV_RSS" "$(field wrk_cpu "$result")" "$other" "$disk_p99" "$disk_max" >>"$RAW"
	say "   $(printf '%-16s c=%-3s %-9s %8s req/s  p99 %7s us  bad %s  cpu %ss' \
		"$workload" "$conns" "$server" "$(field rps "$result")" "$(field p99_us "$result")" \
		"$(field bad "$result")" "$cpu_s")"
}

# cell ...: run_cell, once more when the first attempt was disturbed
cell() {
	local rc=0
	run_cell "$@" 0 || rc=$?
	[ $rc = 3 ] && run_cell "$@" 1
	return 0
}

servers_for() { # WORKLOAD ROUND: the servers, in an order that turns each round
	local -a list=(baseline normal full)
	[ "$1" = stop_resume ] && [ -z "$WIREMOCK_SKIP" ] && list+=(wiremock)
	local n=${#list[@]} i
	for ((i = 0; i < n; i++)); do printf '%s ' "${list[$(((i + $2 - 1) % n))]}"; done
}

# ---- the baseline: libmicrohttpd's fastest configuration here ------------
# Each configuration serves stop/resume at 16 connections for
# BASELINE_PROBE seconds, in turns, BASELINE_PROBE_ROUNDS times; the one
# with the highest median req/s is the baseline of every cell and ratio.

started=$(date +%s)
PROBE=$WORK/baseline-probe.tsv
: >"$PROBE"
say "== the baseline's configurations: $BASELINE_MODES (${BASELINE_PROBE} s each, $BASELINE_PROBE_ROUNDS rounds)"
read -r -a probe_modes <<<"$BASELINE_MODES"
for round in $(seq "$BASELINE_PROBE_ROUNDS"); do
	n=${#probe_modes[@]}
	for ((i = 0; i < n; i++)); do
		BASELINE_MODE=${probe_modes[$(((i + round - 1) % n))]}
		wait_quiet
		if ! start_server baseline; then
			note "baseline --mode $BASELINE_MODE did not start: $(tail -n 3 "$CELL/server.err" | tr '\n' ' ')"
			stop_server >/dev/null 2>&1 || true
			continue
		fi
		cpu0=$(cpu_ticks "$SRV_PID")
		result=$(run_wrk stop_resume 16 "$BASELINE_PROBE" "$DBDIR/names-1000.txt" STOPPED)
		cpu1=$(cpu_ticks "$SRV_PID")
		exit=$(stop_server)
		[ "$exit" = exit=0 ] || note "baseline --mode $BASELINE_MODE stopped with $exit after SIGTERM"
		if [ "$(field failed "$result")" = 1 ]; then
			note "baseline --mode $BASELINE_MODE: wrk failed: $(tail -n 3 "$CELL/wrk.out" | tr '\n' ' ')"
			continue
		fi
		printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$BASELINE_MODE" "$round" "$(field rps "$result")" \
			"$(field p99_us "$result")" \
			"$(awk -v a="$cpu0" -v b="$cpu1" -v t="$CLK_TCK" 'BEGIN { printf "%.3f", (b - a) / t }')" \
			"$(field requests "$result")" "$(field bad "$result")" >>"$PROBE"
		say "   baseline $(printf '%-15s %8s req/s  p99 %7s us' "$BASELINE_MODE" "$(field rps "$result")" "$(field p99_us "$result")")"
	done
done
BASELINE_MODE=$(awk -F'\t' '
	function median(list,    a, k, i, j, t) {
		k = split(list, a, " ")
		for (i = 2; i <= k; i++) { t = a[i] + 0; for (j = i - 1; j >= 1 && a[j] + 0 > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
		return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
	}
	{ r[$1] = r[$1] " " $3 }
	END { for (m in r) if (!best || median(r[m]) > top) { best = m; top = median(r[m]) } print best }' "$PROBE")
[ -n "$BASELINE_MODE" ] || die "no configuration of the baseline served the probe"
say "   the baseline: --mode $BASELINE_MODE"

for round in $(seq "$ROUNDS"); do
	say "== round $round of $ROUNDS"
	for workload in $WORKLOADS; do
		for conns in $CONNECTIONS; do
			for server in $(servers_for "$workload" "$round"); do
				cell "$round" "$workload" "$conns" "$server" 1000
			done
		done
	done
	# latency at a paced load: 16 connections offering PACED_RATE req/s
	if [ "$PACED_RATE" -gt 0 ]; then
		for workload in $PACED_WORKLOADS; do
			for server in $(servers_for paced "$round"); do
				cell "$round" "$workload@paced" 16 "$server" 1000
			done
		done
	fi
	# mutating throughput by database size: stop/resume, 16 connections
	for tasks in $SCALE_SIZES; do
		cell "$round" stop_resume@size 16 normal "$tasks"
	done
done
rm -f "$CELL/db" "$CELL/db-wal" "$CELL/db-shm"

# ---- start to ready ---------------------------------------------------------

say "== start to ready ($STARTUP_RUNS runs per kind)"
startup_once() { # KIND
	local kind=$1 db=$CELL/start-$1.db
	local -a cmd
	case $kind in
	baseline) cmd=("$BIN/baseline" --mode "$BASELINE_MODE" --port 0) ;;
	fresh-default)
		rm -f "$db" "$db-wal" "$db-shm"
		cmd=("$MOCK_BIN" --config /dev/null --port 0 "${MOCK_THREADS[@]}" --db "$db"
			--fixtures fixtures/default.json) ;;
	reopen-*)
		# a restart: the same database opened again and again (copied once)
		if [ ! -f "$db" ]; then
			case $kind in
			reopen-default) cp "$CELL/start-fresh-default.db" "$db" ;;
			*) cp "$DBDIR/tasks-${kind#reopen-}.db" "$db" ;;
			esac
		fi
		cmd=("$MOCK_BIN" --config /dev/null --port 0 "${MOCK_THREADS[@]}" --db "$db"
			--fixtures fixtures/default.json) ;;
	esac
	rm -f "$CELL/start.info" "$CELL/start.info.exit"
	if "$BIN/launch" --once "$CELL/start.info" -- "${cmd[@]}" >/dev/null 2>"$CELL/start.err" &&
		grep -q '^pid=' "$CELL/start.info"; then
		local line
		line=$(cat "$CELL/start.info")
		printf '%s\t%s\t%s\n' "$kind" "$(sed -n 's/.*ready_us=\([0-9]*\).*/\1/p' <<<"$line")" \
			"$(sed -n 's/.*rss_idle_kb=\([-0-9]*\).*/\1/p' <<<"$line")" >>"$STARTUP"
		grep -q '^exit=0' "$CELL/start.info.exit" 2>/dev/null ||
			note "start to ready, $kind: the server stopped with $(cat "$CELL/start.info.exit" 2>/dev/null)"
	else
		note "start to ready, $kind: no ready line: $(tail -n 2 "$CELL/start.err" | tr '\n' ' ')"
	fi
}
# the database of the default fixtures, as a first start leaves it
rm -f "$CELL"/start-*
startup_once fresh-default
: >"$STARTUP"
startup_kinds="baseline fresh-default reopen-default"
[ "$HAVE_100K" = 1 ] && startup_kinds="$startup_kinds reopen-100000"
case " $SCALE_SIZES " in *" 1000000 "*) startup_kinds="$startup_kinds reopen-1000000" ;; esac
for _ in $(seq "$STARTUP_RUNS"); do
	wait_quiet
	for kind in $startup_kinds; do startup_once "$kind"; done
done
rm -f "$CELL"/start-*
elapsed=$(($(date +%s) - started))

# ---- the report -------------------------------------------------------------

machine() {
	echo "- machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)," \
		"$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo); kernel $(uname -r)"
	local commit="not a git checkout"
	if git rev-parse --git-dir >/dev/null 2>&1; then
		commit="commit $(git rev-parse --short HEAD)"
		git diff --quiet HEAD -- server store || commit="$commit + uncommitted changes in server/ or store/"
	fi
	echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); $commit${BENCH_NOTE:+; $BENCH_NOTE}$([ "$SIMULATE" = 1 ] && echo "; connector-mock with the simulation on (BENCH_SIMULATE=1)")"
	echo "- software: libmicrohttpd $(pkg-config --modversion libmicrohttpd), SQLite $(pkg-config --modversion sqlite3), $(wrk --version 2>&1 | head -n 1 | cut -d' ' -f1-2)$( [ -z "$WIREMOCK_SKIP" ] && echo ", WireMock $WIREMOCK_VERSION on $(java -version 2>&1 | head -n 1 | tr -d '"')")"
	echo "- baseline: bench/baseline.c with --mode $BASELINE_MODE, the fastest of $BASELINE_MODES here (below); $BASELINE_SETTINGS"
	echo "- settings: $ROUNDS rounds, ${DURATION} s per cell, $([ "$MHD_POOL" = 1 ] && echo "connector-mock thread pool $SERVER_THREADS" || echo "connector-mock with a thread per connection"), wrk threads $WRK_THREADS, connections $CONNECTIONS; each cell on a fresh server process and a fresh copy of the database; nothing pinned; whole run $((elapsed / 60)) min $((elapsed % 60)) s"
	if [ -n "$WIREMOCK_SKIP" ]; then
		echo "- WireMock: skipped ($WIREMOCK_SKIP)"
	else
		echo "- WireMock: stop/resume only; one scenario per task (4,000 stubs, matching the $( [ "$WIREMOCK_MATCH" = url ] && echo "whole URL" || echo "path and taskName parameter")); a fresh JVM per cell with ${WIREMOCK_WARMUP} s of warm-up load, then its scenarios reset"
	fi
	if [ -f "$DBDIR/gen-times" ]; then
		echo "- generating the databases ($( [ "$GEN_MODE" = store ] && echo "gen_tasks through the store API, one store_reset" || echo "fixtures file seeded by the daemon")): $(awk '{ printf "%s%s tasks %.1f s", (NR > 1 ? ", " : ""), $1, $2 }' "$DBDIR/gen-times")"
	fi
}

report() {
	echo "# connector-mock benchmark"
	echo
	machine
	echo
	awk -F'\t' -v startup="$STARTUP" -v paced="$PACED_RATE" -v probe="$PROBE" \
		-v baseline_mode="$BASELINE_MODE" -v probe_seconds="$BASELINE_PROBE" -f bench/report.awk "$RAW"
	echo
	if [ -s "$NOTES" ]; then
		echo "## Anomalies seen during the run"
		echo
		sed 's/^/- /' "$NOTES"
	else
		echo "No anomalies: every server started, answered and stopped cleanly; no socket errors."
	fi
}

report >"$RESULTS/latest.md"
cp "$RAW" "$RESULTS/latest-cells.tsv"
cp "$STARTUP" "$RESULTS/latest-startup.tsv"
cp "$PROBE" "$RESULTS/latest-baseline.tsv"
cat "$RESULTS/latest.md"
say ""
say "written to $RESULTS/latest.md (raw records: $RESULTS/latest-cells.tsv, $RESULTS/latest-startup.tsv, $RESULTS/latest-baseline.tsv)"
