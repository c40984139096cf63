# report.awk — the markdown tables of bench/run.sh, from its raw records.
#
# Input (tab-separated, one line per cell and round):
#   1 round  2 workload  3 conns  4 server  5 tasks  6 rps  7 p50_us  8 p99_us
#   9 p999_us  10 requests  11 ok  12 bad  13 socket_errors  14 cpu_s
#   15 duration_us  16 peak_rss_kb  17 idle_rss_kb  18 wrk_cpu_s
#   19 other_cpus (CPUs busy with anything but this server and wrk)
#   20 21 connector-mock cells: the p99 and the longest of the disk's own
#   8 KiB syncs during the run (us, bench/disk_probe); "-" otherwise
# -v startup=FILE: start-to-ready records: kind, ready_us, idle_rss_kb.
# -v paced=N: the offered load of the paced cells (WORKLOAD@paced).
# -v probe=FILE: the baseline's configurations measured before the cells
#   (mode, round, rps, p99_us, cpu_s, requests, bad); -v baseline_mode=M:
#   the one chosen, the fastest; -v probe_seconds=N: their length.
#
# Every figure is the median over rounds; every ratio is the median over
# rounds of the ratio to the baseline of the same round (same workload and
# connections). Non-success is the total over rounds.

function median(list, n,    a, i, j, t, k) {
	k = split(list, a, " ")
	if (k == 0)
		return ""
	for (i = 2; i <= k; i++) {
		t = a[i] + 0
		for (j = i - 1; j >= 1 && a[j] + 0 > t; j--)
			a[j + 1] = a[j]
		a[j + 1] = t
	}
	if (k % 2)
		return a[(k + 1) / 2] + 0
	return (a[k / 2] + a[k / 2 + 1]) / 2
}

function add(arr, key, value) { arr[key] = (key in arr) ? arr[key] " " value : value }

function ms(us) { return us == "" ? "–" : sprintf("%.3f", us / 1000) }
function ratio(r) { return r == "" ? "" : sprintf(" (%.2f×)", r) }
function mib(kb) { return kb == "" || kb < 0 ? "–" : sprintf("%.1f", kb / 1024) }
# a workload's name in the tables, without its @variant
function wname(w,    base) {
	base = w
	sub(/@.*/, "", base)
	return (base in WNAME) ? WNAME[base] : base
}
function verdict(ok) { return ok ? "**pass**" : "**FAIL**" }
# the targets table's row for the p99 of workload w at 16 connections on
# server s, when that cell ran; `load` says how the load was offered. With
# durability full every commit waits for a WAL sync, so its p99 follows the
# disk's own stalls: it is reported beside the disk probe, not judged.
function p99_target(w, s, load,    key, p, judged) {
	key = w SUBSEP 16 SUBSEP s SUBSEP 1000
	if (!(key in P99)) return
	p = median(P99[key])
	judged = s != "full"
	printf "| %s at 16 conns, %s: %s, durability %s | %.3f ms (rounds %s; the baseline's %s%s) | %s |\n", \
		(judged ? "p99 ≤ 2 ms" : "p99 (every commit waits for the disk)"), \
		load, wname(w), s, p / 1000, \
		rounds_of(w, 16, s, "", "p99", 1000, 1000, "%.2f"), \
		rounds_of(w, 16, "baseline", "", "p99", 1000, 1000, "%.2f"), \
		disk_rounds(key), (judged ? verdict(p <= 2000) : "(the disk's; not judged)")
}
# "; the disk's longest sync ...": per round, from bench/disk_probe
function disk_rounds(key,    r, out) {
	out = ""
	for (r = 1; r <= maxround; r++)
		if (HAVE[r, key] && ((r, key) in DISKMAX))
			out = out (out == "" ? "" : " / ") sprintf("%.2f", DISKMAX[r, key] / 1000)
	return out == "" ? "" : "; the disk's longest sync during each round, " out
}
function seen(list, item, order) {
	if (!((list, item) in order)) {
		order[list, item] = 1
		return 1
	}
	return 0
}

{
	round = $1; w = $2; c = $3; s = $4; tasks = $5
	key = w SUBSEP c SUBSEP s SUBSEP tasks
	cpureq = $10 > 0 ? $14 * 1e6 / $10 : 0
	cpupct = $15 > 0 ? $14 / ($15 / 1e6) * 100 : 0
	add(RPS, key, $6); add(P50, key, $7); add(P99, key, $8); add(P999, key, $9)
	add(CPUREQ, key, cpureq); add(CPUPCT, key, cpupct)
	REQ[key] += $10; BAD[key] += $12; ERR[key] += $13
	if (!(key in HWM) || $16 > HWM[key]) HWM[key] = $16
	add(IDLE, key, $17)
	V[round, key, "rps"] = $6; V[round, key, "p50"] = $7; V[round, key, "p99"] = $8
	V[round, key, "p999"] = $9; V[round, key, "cpu"] = cpureq
	HAVE[round, key] = 1
	if (!(round in ROUNDS)) { ROUNDS[round] = 1; nrounds++ }
	if (round + 0 > maxround) maxround = round + 0
	if (w !~ /@/ && seen("w", w, ORDER)) WL[++nw] = w
	if (w !~ /@/ && seen("c", c, ORDER)) CN[++nc] = c
	if (w ~ /@paced$/ && seen("p", w, ORDER)) PW[++np] = w
	if (w == "stop_resume@size" && seen("t", tasks, ORDER)) TS[++nt] = tasks
	if (s != "baseline" && (!("mock" in PEAK) || $16 > PEAK["mock"]) && s != "wiremock") {
		PEAK["mock"] = $16; PEAKCELL = w " c=" c " " s " tasks=" tasks
		PEAKBASE = w SUBSEP c SUBSEP "baseline" SUBSEP tasks
	}
	if (s != "baseline" && s != "wiremock" && c <= 16 && (!("mock16" in PEAK) || $16 > PEAK["mock16"])) {
		PEAK["mock16"] = $16; PEAKCELL16 = w " c=" c " " s " tasks=" tasks
	}
	if (s == "normal" && tasks == 1000) add(IDLECELL, "normal", $17)
	add(OTHER, "all", $19 + 0)
	if ($19 + 0 > 0.15) disturbed++
	if ($19 + 0 > maxother) { maxother = $19 + 0; maxothercell = w " c=" c " " s " round " round }
	if ($20 ~ /^[0-9]+$/ && $21 ~ /^[0-9]+$/) {
		DISKMAX[round, key] = $21
		add(DISKP99, "all", $20)
		if ($21 + 0 > 2000) slowdisk++
		if ($21 + 0 > maxdisk) { maxdisk = $21 + 0; maxdiskcell = w " c=" c " " s " round " round }
	}
}

# the median over rounds of metric(server) / metric(other server), same cell
function rel(w, c, s, other, metric, tasks,    r, list, k1, k2) {
	list = ""
	k1 = w SUBSEP c SUBSEP s SUBSEP tasks
	k2 = w SUBSEP c SUBSEP other SUBSEP tasks
	for (r in ROUNDS)
		if (HAVE[r, k1] && HAVE[r, k2] && V[r, k2, metric] > 0)
			list = list " " V[r, k1, metric] / V[r, k2, metric]
	return median(list)
}

# The rounds' values of a cell, in round order, "a / b / c": `scale`
# divides each; with `other`, each is the ratio to that server's value in
# the same round (the ratio rows).
function rounds_of(w, c, s, other, metric, tasks, scale, fmt,    r, out, k1, k2, v) {
	out = ""
	k1 = w SUBSEP c SUBSEP s SUBSEP tasks
	k2 = w SUBSEP c SUBSEP other SUBSEP tasks
	for (r = 1; r <= maxround; r++) {
		if (!HAVE[r, k1] || (other != "" && !(HAVE[r, k2] && V[r, k2, metric] > 0)))
			continue
		v = V[r, k1, metric] / (other != "" ? V[r, k2, metric] : scale)
		out = out (out == "" ? "" : " / ") sprintf(fmt, v)
	}
	return out
}

END {
	nserv = split("baseline normal full wiremock", SV, " ")
	NAME["baseline"] = "baseline (bare MHD)"
	NAME["normal"] = "connector-mock, durability normal"
	NAME["full"] = "connector-mock, durability full"
	NAME["wiremock"] = "WireMock (stateful scenarios)"
	WNAME["stop_resume"] = "stop/resume cycling"
	WNAME["update"] = "update, 1 KiB body"
	WNAME["migrate"] = "migrate chains"
	WNAME["get_task"] = "GET /_mock/tasks/{name}"

	print "## Throughput and latency (1,000 tasks in the database)"
	print ""
	print "Medians over " nrounds " round(s); (×) is the median ratio to the baseline of the same round and cell (for latency and CPU, lower is better). Latency in ms, as wrk measures it (send to last byte). CPU: the server process's user+system time during the run, as a share of one core and per request."
	print ""
	if ("all" in OTHER)
		printf "Other work on the machine during the cells (CPUs busy with anything but the server under test and wrk): median %.2f, highest %.2f (%s).%s\n\n", \
			median(OTHER["all"]), maxother, maxothercell, (disturbed ? " **" disturbed " cell run(s) were disturbed by other work (listed under Anomalies): their figures are less reliable.**" : "")
	if ("all" in DISKP99)
		printf "The disk beside the connector-mock cells (bench/disk_probe: an 8 KiB write and its fdatasync every 50 ms of each run, in a file next to the database): sync p99 median %.2f ms; the longest sync %.2f ms (%s).%s\n\n", \
			median(DISKP99["all"]) / 1000, maxdisk / 1000, maxdiskcell, (slowdisk ? " **In " slowdisk " run(s) the disk itself took over 2 ms for a sync: a stall of the disk holds every request waiting on it, and is a p99 by itself.**" : "")
	print "| workload | conns | server | req/s | ×base | p50 ms | p99 ms | p99.9 ms | CPU % | CPU µs/req | non-success | peak RSS MiB |"
	print "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	for (i = 1; i <= nw; i++) for (j = 1; j <= nc; j++) for (k = 1; k <= nserv; k++) {
		w = WL[i]; c = CN[j]; s = SV[k]
		key = w SUBSEP c SUBSEP s SUBSEP 1000
		if (!(key in RPS)) continue
		isbase = s == "baseline"
		nonsucc = REQ[key] > 0 ? sprintf("%.2f%% (%d)", BAD[key] * 100 / REQ[key], BAD[key]) : "–"
		if (ERR[key] > 0) nonsucc = nonsucc " + " ERR[key] " socket errors"
		printf "| %s | %s | %s | %.0f | %s | %s%s | %s%s | %s%s | %.0f | %.1f%s | %s | %s |\n", \
			wname(w), c, s, median(RPS[key]), \
			isbase ? "1" : sprintf("%.2f", rel(w, c, s, "baseline", "rps", 1000)), \
			ms(median(P50[key])), isbase ? "" : ratio(rel(w, c, s, "baseline", "p50", 1000)), \
			ms(median(P99[key])), isbase ? "" : ratio(rel(w, c, s, "baseline", "p99", 1000)), \
			ms(median(P999[key])), isbase ? "" : ratio(rel(w, c, s, "baseline", "p999", 1000)), \
			median(CPUPCT[key]), median(CPUREQ[key]), \
			isbase ? "" : ratio(rel(w, c, s, "baseline", "cpu", 1000)), \
			nonsucc, mib(HWM[key])
	}
	print ""
	print "Servers: baseline = bench/baseline.c, a bare libmicrohttpd server answering the success envelope, in libmicrohttpd's fastest configuration on this machine (`--mode " baseline_mode "`, next section); normal / full = connector-mock with `--durability normal` (default) / `full`; wiremock = WireMock standalone (stop/resume only)."
	probe_table()

	# ---- latency at a paced load
	if (np > 0) {
		print ""
		print "## Latency at a paced load (16 connections, " paced " req/s offered)"
		print ""
		print "Each connection waits between requests so that together they offer " paced " req/s, well under saturation: the latency of a request, not of a queue. (×) as above."
		print ""
		print "| workload | server | req/s | p50 ms | p99 ms | p99.9 ms | CPU % | CPU µs/req | non-success | peak RSS MiB |"
		print "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
		for (i = 1; i <= np; i++) for (k = 1; k <= nserv; k++) {
			w = PW[i]; s = SV[k]
			key = w SUBSEP 16 SUBSEP s SUBSEP 1000
			if (!(key in RPS)) continue
			isbase = s == "baseline"
			nonsucc = REQ[key] > 0 ? sprintf("%.2f%% (%d)", BAD[key] * 100 / REQ[key], BAD[key]) : "–"
			if (ERR[key] > 0) nonsucc = nonsucc " + " ERR[key] " socket errors"
			printf "| %s | %s | %.0f | %s%s | %s%s | %s%s | %.0f | %.1f%s | %s | %s |\n", \
				wname(w), s, median(RPS[key]), \
				ms(median(P50[key])), isbase ? "" : ratio(rel(w, 16, s, "baseline", "p50", 1000)), \
				ms(median(P99[key])), isbase ? "" : ratio(rel(w, 16, s, "baseline", "p99", 1000)), \
				ms(median(P999[key])), isbase ? "" : ratio(rel(w, 16, s, "baseline", "p999", 1000)), \
				median(CPUPCT[key]), median(CPUREQ[key]), \
				isbase ? "" : ratio(rel(w, 16, s, "baseline", "cpu", 1000)), \
				nonsucc, mib(HWM[key])
		}
	}

	# ---- mutating throughput by database size
	if (nt > 0) {
		print ""
		print "## Mutating throughput by database size (stop/resume, 16 connections, durability normal)"
		print ""
		print "| tasks in the database | req/s | × 1k tasks | p99 ms | non-success | peak RSS MiB |"
		print "|---:|---:|---:|---:|---:|---:|"
		for (i = 1; i <= nt; i++) {
			t = TS[i]
			key = "stop_resume@size" SUBSEP 16 SUBSEP "normal" SUBSEP t
			r = sizerel(t, TS[1])
			printf "| %s | %.0f | %s | %s | %s | %s |\n", t, median(RPS[key]), \
				(r == "" ? "–" : sprintf("%.2f", r)), ms(median(P99[key])), \
				(REQ[key] > 0 ? sprintf("%.2f%% (%d)", BAD[key] * 100 / REQ[key], BAD[key]) : "–"), \
				mib(HWM[key])
		}
	}

	# ---- start to ready
	nk = 0
	while ((getline line < startup) > 0) {
		split(line, f, "\t")
		if (seen("k", f[1], ORDER)) KD[++nk] = f[1]
		add(READY, f[1], f[2]); add(SRSS, f[1], f[3]); SN[f[1]]++
	}
	if (nk > 0) {
		print ""
		print "## Start to ready"
		print ""
		print "From just before fork to the ready line on standard output (bench/launch.c, CLOCK_MONOTONIC); idle RSS read right after it."
		print ""
		print "| start | runs | median ms | idle RSS MiB |"
		print "|---|---:|---:|---:|"
		SK["baseline"] = "baseline (bare MHD)"
		SK["fresh-default"] = "connector-mock, new database seeded from fixtures/default.json"
		SK["reopen-default"] = "connector-mock, existing database of the default fixtures"
		SK["reopen-100000"] = "connector-mock, existing database of 100,000 tasks"
		SK["reopen-1000000"] = "connector-mock, existing database of 1,000,000 tasks"
		for (i = 1; i <= nk; i++)
			printf "| %s | %d | %.2f | %s |\n", SK[KD[i]] ? SK[KD[i]] : KD[i], SN[KD[i]], \
				median(READY[KD[i]]) / 1000, mib(median(SRSS[KD[i]]))
	}

	# ---- targets
	print ""
	print "## Targets"
	print ""
	print "| target | measured | verdict |"
	print "|---|---:|---|"
	r = rel("stop_resume", 16, "normal", "baseline", "rps", 1000)
	if (r != "") printf "| stop/resume, 16 conns, durability normal ≥ 0.5 × baseline req/s | %.3f× (rounds %s) | %s |\n", r, rounds_of("stop_resume", 16, "normal", "baseline", "rps", 1000, 1, "%.2f"), verdict(r >= 0.5)
	r = rel("stop_resume", 16, "full", "baseline", "rps", 1000)
	if (r != "") printf "| stop/resume, 16 conns, durability full ≥ 0.1 × baseline req/s | %.3f× (rounds %s) | %s |\n", r, rounds_of("stop_resume", 16, "full", "baseline", "rps", 1000, 1, "%.2f"), verdict(r >= 0.1)
	for (j = 1; j <= nc; j++) {
		c = CN[j]
		r = rel("stop_resume", c, "normal", "wiremock", "rps", 1000)
		if (r == "") continue
		kn = "stop_resume" SUBSEP c SUBSEP "normal" SUBSEP 1000
		kw = "stop_resume" SUBSEP c SUBSEP "wiremock" SUBSEP 1000
		printf "| stop/resume, %s conns: connector-mock ≥ 4 × WireMock req/s, 0 wrong answers | %.1f×; wrong answers: mock %d, WireMock %d | %s |\n", \
			c, r, BAD[kn], BAD[kw], verdict(r >= 4 && BAD[kn] == 0)
	}
	for (i = 1; i <= nw; i++) for (k = 2; k <= 3; k++)
		p99_target(WL[i], SV[k], "saturating")
	for (i = 1; i <= np; i++) for (k = 2; k <= 3; k++)
		p99_target(PW[i], SV[k], "paced (" paced " req/s offered)")
	if ("fresh-default" in READY) {
		p = median(READY["fresh-default"])
		printf "| start to ready ≤ 15 ms, default fixtures (new database, seeded) | %.2f ms | %s |\n", p / 1000, verdict(p <= 15000)
	}
	if ("reopen-default" in READY) {
		p = median(READY["reopen-default"])
		printf "| start to ready ≤ 15 ms, default fixtures (existing database) | %.2f ms | %s |\n", p / 1000, verdict(p <= 15000)
	}
	if ("reopen-100000" in READY) {
		p = median(READY["reopen-100000"])
		printf "| start to ready ≤ 50 ms, 100,000-task database | %.2f ms | %s |\n", p / 1000, verdict(p <= 50000)
	}
	if ("fresh-default" in SRSS) {
		p = median(SRSS["fresh-default"])
		printf "| idle RSS ≤ 8 MiB (right after ready, default fixtures) | %.1f MiB | %s |\n", p / 1024, verdict(p <= 8192)
	}
	if ("normal" in IDLECELL) {
		p = median(IDLECELL["normal"])
		printf "| idle RSS ≤ 8 MiB (right after ready, 1,000-task database) | %.1f MiB | %s |\n", p / 1024, verdict(p <= 8192)
	}
	if ("mock16" in PEAK)
		printf "| peak RSS ≤ 16 MiB (VmHWM), connector-mock cells of at most 16 connections (highest: %s) | %.1f MiB | %s |\n", PEAKCELL16, PEAK["mock16"] / 1024, verdict(PEAK["mock16"] <= 16384)
	if ("mock" in PEAK)
		printf "| peak RSS ≤ 16 MiB (VmHWM), every connector-mock cell (highest: %s; the baseline there: %s MiB) | %.1f MiB | %s |\n", PEAKCELL, mib(HWM[PEAKBASE]), PEAK["mock"] / 1024, verdict(PEAK["mock"] <= 16384)
	if (nt > 1) {
		small = TS[1]
		for (i = 2; i <= nt; i++) {
			r = sizerel(TS[i], small)
			if (r != "")
				printf "| mutating throughput, %s vs %s tasks ≥ 0.8 | %.3f | %s |\n", TS[i], small, r, (TS[i] >= 1000000 ? verdict(r >= 0.8) : "(info)")
		}
	}
}

function sizerel(t, base,    r, list, k1, k2) {
	list = ""
	k1 = "stop_resume@size" SUBSEP 16 SUBSEP "normal" SUBSEP t
	k2 = "stop_resume@size" SUBSEP 16 SUBSEP "normal" SUBSEP base
	for (r in ROUNDS)
		if (HAVE[r, k1] && HAVE[r, k2] && V[r, k2, "rps"] > 0)
			list = list " " V[r, k1, "rps"] / V[r, k2, "rps"]
	return median(list)
}

# The baseline's configurations, measured before the cells: the fastest
# is the baseline of every ratio.
function probe_table(    line, f, nm, i, m, r, best) {
	if (probe == "")
		return
	nm = 0
	while ((getline line < probe) > 0) {
		split(line, f, "\t")
		if (seen("m", f[1], ORDER)) PM[++nm] = f[1]
		add(PRPS, f[1], f[3]); add(PP99, f[1], f[4])
		add(PCPU, f[1], f[6] > 0 ? f[5] * 1e6 / f[6] : 0); PN[f[1]]++
	}
	if (nm == 0)
		return
	MODE["per-connection"] = "a thread per connection, poll() (the daemon's threading)"
	MODE["epoll"] = "one internal thread, an epoll loop"
	MODE["pool"] = "a pool of epoll threads, one per CPU"
	best = 0
	for (i = 1; i <= nm; i++) {
		r = median(PRPS[PM[i]])
		if (r > best)
			best = r
	}
	print ""
	print "## The baseline's configurations"
	print ""
	printf "Stop/resume at 16 connections, %s s per configuration and round, in turns; medians over rounds. The fastest is the baseline above.\n", probe_seconds
	print ""
	print "| configuration | threading | runs | req/s | × fastest | p99 ms | CPU µs/req | |"
	print "|---|---|---:|---:|---:|---:|---:|---|"
	for (i = 1; i <= nm; i++) {
		m = PM[i]
		printf "| `--mode %s` | %s | %d | %.0f | %.2f | %s | %.1f | %s |\n", m, \
			((m in MODE) ? MODE[m] : m), PN[m], median(PRPS[m]), \
			(best > 0 ? median(PRPS[m]) / best : 0), ms(median(PP99[m])), median(PCPU[m]), \
			(m == baseline_mode ? "**the baseline**" : "")
	}
}
