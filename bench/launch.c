/*
 * launch.c — start a server and time it to its ready line.
 *
 *   build/bench/launch [--once] INFO_FILE -- COMMAND [ARGS...]
 *
 * Forks COMMAND with its standard output on a pipe and reads it until a line
 * holding "listening on http://" (connector-mock's and baseline's ready
 * line; WireMock's banner is matched by "port:" too). Then it writes to
 * INFO_FILE (atomically, through INFO_FILE.tmp and rename), one line:
 *
 *   pid=PID port=PORT ready_us=MICROSECONDS rss_idle_kb=KB
 *
 * ready_us is CLOCK_MONOTONIC from just before fork to the ready line;
 * rss_idle_kb is VmRSS of the server read right after it.
 *
 * Without --once, launch then keeps draining the server's output (to its own
 * standard output) until the server exits, and writes `exit=CODE` or
 * `signal=N` to INFO_FILE.exit; the caller stops the server with kill PID.
 * With --once it sends SIGTERM right after the ready line, waits, and writes
 * the exit line to INFO_FILE.exit before returning.
 *
 * If the server exits or closes its output before the ready line, INFO_FILE
 * gets `failed=...` and launch exits 1. INFO_FILE.pid holds the server's pid
 * from the fork on.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

static void write_file(const char *path, const char *text)
{
	char tmp[4096];
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (!f) {
		perror(tmp);
		return;
	}
	fputs(text, f);
	fclose(f);
	rename(tmp, path);
}

static long read_status_kb(pid_t pid, const char *key)
{
	char path[64], line[256];
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	long kb = -1;
	size_t keylen = strlen(key);
	while (fgets(line, sizeof line, f))
		if (strncmp(line, key, keylen) == 0 && line[keylen] == ':') {
			kb = strtol(line + keylen + 1, NULL, 10);
			break;
		}
	fclose(f);
	return kb;
}

/* The port of a ready line: the digits after the last ':' of the URL, or
 * after "port:" in WireMock's banner. -1 when the line is not a ready line. */
static long ready_port(const char *line)
{
	const char *url = strstr(line, "listening on http://");
	if (url) {
		const char *colon = strrchr(url, ':');
		return colon ? strtol(colon + 1, NULL, 10) : -1;
	}
	const char *p = strstr(line, "port:");
	if (p && !strstr(line, "https")) {
		long port = strtol(p + 5, NULL, 10);
		return port > 0 ? port : -1;
	}
	return -1;
}

static void write_exit(const char *info, int status)
{
	char path[4096], text[64];
	snprintf(path, sizeof path, "%s.exit", info);
	if (WIFEXITED(status))
		snprintf(text, sizeof text, "exit=%d\n", WEXITSTATUS(status));
	else
		snprintf(text, sizeof text, "signal=%d\n",
			 WIFSIGNALED(status) ? WTERMSIG(status) : -1);
	write_file(path, text);
}

int main(int argc, char **argv)
{
	int arg = 1;
	int once = 0;
	if (arg < argc && strcmp(argv[arg], "--once") == 0) {
		once = 1;
		arg++;
	}
	if (arg + 2 >= argc || strcmp(argv[arg + 1], "--") != 0) {
		fputs("usage: launch [--once] INFO_FILE -- COMMAND [ARGS...]\n", stderr);
		return 2;
	}
	const char *info = argv[arg];
	char **command = &argv[arg + 2];
	int out[2];
	if (pipe(out) < 0) {
		perror("pipe");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	long long start = now_us();
	pid_t pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0) {
		dup2(out[1], STDOUT_FILENO);
		close(out[0]);
		close(out[1]);
		execvp(command[0], command);
		fprintf(stderr, "launch: cannot run %s: %s\n", command[0], strerror(errno));
		_exit(127);
	}
	close(out[1]);
	char pid_path[4096], pid_text[32];
	snprintf(pid_path, sizeof pid_path, "%s.pid", info);
	snprintf(pid_text, sizeof pid_text, "%d\n", (int)pid);
	write_file(pid_path, pid_text);
	FILE *from = fdopen(out[0], "r");
	char line[4096];
	long port = -1;
	long long ready = 0;
	while (fgets(line, sizeof line, from)) {
		port = ready_port(line);
		if (port > 0) {
			ready = now_us();
			break;
		}
		if (!once) {
			fputs(line, stdout);
			fflush(stdout);
		}
	}
	char text[256];
	if (port <= 0) {
		int status;
		waitpid(pid, &status, 0);
		snprintf(text, sizeof text, "failed=no-ready-line pid=%d\n", (int)pid);
		write_file(info, text);
		write_exit(info, status);
		return 1;
	}
	long rss = read_status_kb(pid, "VmRSS");
	snprintf(text, sizeof text, "pid=%d port=%ld ready_us=%lld rss_idle_kb=%ld\n", (int)pid,
		 port, ready - start, rss);
	write_file(info, text);
	if (once)
		kill(pid, SIGTERM);
	while (fgets(line, sizeof line, from))
		if (!once) {
			fputs(line, stdout);
			fflush(stdout);
		}
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	write_exit(info, status);
	if (once)
		fputs(text, stdout);
	return 0;
}
