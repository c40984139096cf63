/*
 * raw.c — bytes on a socket, the binary by hand (see raw.h).
 */
#define _POSIX_C_SOURCE 200809L
#include "raw.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

int raw_connect(const test_daemon *daemon)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_msg(fd >= 0, "socket: %s", strerror(errno));
	struct sockaddr_in address = {.sin_family = AF_INET,
				      .sin_port = htons((uint16_t)daemon->port)};
	inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
	ck_assert_msg(connect(fd, (struct sockaddr *)&address, sizeof address) == 0, "connect: %s",
		      strerror(errno));
	return fd;
}

void raw_send(int fd, const char *bytes, size_t len)
{
	size_t sent = 0;
	while (sent < len) {
		ssize_t n = send(fd, bytes + sent, len - sent, MSG_NOSIGNAL);
		ck_assert_msg(n > 0, "send: %s", strerror(errno));
		sent += (size_t)n;
	}
}

size_t raw_read(int fd, char *buf, size_t cap, int timeout_ms, bool *closed)
{
	size_t used = 0;
	*closed = false;
	int64_t deadline = test_monotonic_ms() + timeout_ms;
	while (test_monotonic_ms() < deadline && used + 1 < cap) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, 50) <= 0)
			continue;
		ssize_t n = recv(fd, buf + used, cap - 1 - used, 0);
		if (n <= 0) {
			*closed = true;
			break;
		}
		used += (size_t)n;
	}
	buf[used] = '\0';
	return used;
}

size_t raw_exchange(const test_daemon *daemon, const char *bytes, size_t len, char *buf, size_t cap,
		    bool *closed)
{
	int fd = raw_connect(daemon);
	raw_send(fd, bytes, len);
	size_t n = raw_read(fd, buf, cap, 3000, closed);
	close(fd);
	return n;
}

int raw_count_responses(const char *text)
{
	int count = 0;
	/* a body carries no newline at its end: the next status line may
	 * follow it directly */
	for (const char *at = text; (at = strstr(at, "HTTP/1.1 ")) != NULL; at++)
		if (strspn(at + 9, "0123456789") == 3 && at[12] == ' ')
			count++;
	return count;
}

void raw_run_binary(const char *const *args, int timeout_ms, raw_run_result *result)
{
	memset(result, 0, sizeof *result);
	const char *argv[32];
	int argc = 0;
	argv[argc++] = test_binary_path();
	for (int i = 0; args[i] && argc < 31; i++)
		argv[argc++] = args[i];
	argv[argc] = NULL;
	int out_pipe[2], err_pipe[2];
	ck_assert(pipe(out_pipe) == 0 && pipe(err_pipe) == 0);
	pid_t pid = fork();
	ck_assert(pid >= 0);
	if (pid == 0) {
		dup2(out_pipe[1], STDOUT_FILENO);
		dup2(err_pipe[1], STDERR_FILENO);
		close(out_pipe[0]);
		close(err_pipe[0]);
		close(out_pipe[1]);
		close(err_pipe[1]);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	test_track_daemon(pid);
	close(out_pipe[1]);
	close(err_pipe[1]);
	struct pollfd fds[2] = {{.fd = out_pipe[0], .events = POLLIN},
				{.fd = err_pipe[0], .events = POLLIN}};
	char *buffers[2] = {result->out, result->err};
	size_t used[2] = {0, 0};
	int open_pipes = 2;
	int64_t deadline = test_monotonic_ms() + timeout_ms;
	while (open_pipes > 0 && test_monotonic_ms() < deadline) {
		if (poll(fds, 2, 50) <= 0)
			continue;
		for (int i = 0; i < 2; i++) {
			if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP)))
				continue;
			char chunk[1024];
			ssize_t n = read(fds[i].fd, chunk, sizeof chunk);
			if (n <= 0) {
				close(fds[i].fd);
				fds[i].fd = -1;
				open_pipes--;
				continue;
			}
			size_t room = sizeof result->out - 1 - used[i];
			size_t take = (size_t)n < room ? (size_t)n : room;
			memcpy(buffers[i] + used[i], chunk, take);
			used[i] += take;
			buffers[i][used[i]] = '\0';
		}
	}
	for (int i = 0; i < 2; i++)
		if (fds[i].fd >= 0)
			close(fds[i].fd);
	result->status = -2;
	while (test_monotonic_ms() < deadline + 1000) {
		int status;
		if (waitpid(pid, &status, WNOHANG) == pid) {
			result->status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
			break;
		}
		test_sleep_ms(10);
	}
	if (result->status == -2) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	test_untrack_daemon(pid);
}
