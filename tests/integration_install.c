/*
 * integration_install.c — the daemon outside its checkout: started from
 * "/" with no flags (built-in config and fixtures, the state directory),
 * failed starts that leave nothing behind, the built-in fixture sets, the
 * sd_notify protocol on a real unix datagram socket, SIGHUP, the access
 * log, HEAD and /_mock/ready, and make install / make uninstall into a
 * temporary DESTDIR.
 *
 * Each daemon here runs with an environment of the test's making (HOME,
 * XDG_STATE_HOME, STATE_DIRECTORY, NOTIFY_SOCKET, CONNECTOR_MOCK_*), never
 * the runner's.
 */
#define _XOPEN_SOURCE 700
#include "support.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <netinet/in.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define DOC_STOPPED "xxx.xxx.xxx.xxx-9000:connector_v2:p_493po****-incr_trans-1-0:0000000001"
#define RESUME_PATH "/connector/task/v2/resume?taskName="
enum { DEFAULT_TASKS = 8, DEMO_TASKS = 24, ENV_MAX = 24 };

extern char **environ;

/* ---- processes with an environment of the test's making ---------------- */

typedef struct {
	const char *vars[ENV_MAX + 1];
	char owned[ENV_MAX][1024];
	int count;
} test_env;

static void env_add(test_env *env, const char *format, ...) __attribute__((format(printf, 2, 3)));

static void env_add(test_env *env, const char *format, ...)
{
	ck_assert_int_lt(env->count, ENV_MAX);
	va_list args;
	va_start(args, format);
	vsnprintf(env->owned[env->count], sizeof env->owned[0], format, args);
	va_end(args);
	env->vars[env->count] = env->owned[env->count];
	env->vars[++env->count] = NULL;
}

/* PATH and the sanitizers' options from the runner; nothing else. */
static void env_base(test_env *env, const char *home)
{
	memset(env, 0, sizeof *env);
	static const char *const kept[] = {"PATH", "ASAN_OPTIONS", "UBSAN_OPTIONS"};
	for (size_t i = 0; i < COUNT(kept); i++)
		if (getenv(kept[i]))
			env_add(env, "%s=%s", kept[i], getenv(kept[i]));
	if (home)
		env_add(env, "HOME=%s", home);
}

/* The daemon binary as an absolute path: the children start elsewhere. */
static const char *binary(void)
{
	static char path[PATH_MAX];
	ck_assert_msg(realpath(test_binary_path(), path) != NULL, "no binary %s",
		      test_binary_path());
	return path;
}

/*
 * Starts `program` with `args` in `cwd` and `env`; stdout to a pipe
 * (returned in `*out_fd`), stderr to `log_path`. Tracked: it dies with the
 * test.
 */
static pid_t spawn(const char *program, const char *const *args, const char *cwd,
		   const test_env *env, const char *log_path, int *out_fd)
{
	const char *argv[32] = {program};
	int argc = 1;
	for (int i = 0; args && args[i]; i++)
		argv[argc++] = args[i];
	argv[argc] = NULL;
	int out_pipe[2];
	ck_assert_int_eq(pipe(out_pipe), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(out_pipe[1], STDOUT_FILENO);
		int log = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (log >= 0)
			dup2(log, STDERR_FILENO);
		close(out_pipe[0]);
		if (chdir(cwd) < 0)
			_exit(126);
		environ = (char **)env->vars;
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	test_track_daemon(pid);
	close(out_pipe[1]);
	*out_fd = out_pipe[0];
	return pid;
}

/* Reads the ready line; fills `d` (pid, port, base_url). 0, or -1 when the
 * process ended or said nothing within 10 s. Closes `out_fd`. */
static int wait_ready(test_daemon *d, pid_t pid, int out_fd)
{
	d->pid = pid;
	char line[256] = "";
	size_t used = 0;
	int64_t deadline = test_monotonic_ms() + 10000;
	while (test_monotonic_ms() < deadline && !strchr(line, '\n') && used + 1 < sizeof line) {
		struct pollfd p = {.fd = out_fd, .events = POLLIN};
		if (poll(&p, 1, 50) <= 0)
			continue;
		ssize_t n = read(out_fd, line + used, sizeof line - 1 - used);
		if (n <= 0)
			break;
		used += (size_t)n;
		line[used] = '\0';
	}
	close(out_fd);
	if (sscanf(line, "connector-mock listening on http://127.0.0.1:%u", &d->port) != 1)
		return -1;
	snprintf(d->base_url, sizeof d->base_url, "http://127.0.0.1:%u", d->port);
	return 0;
}

/* Starts the daemon and asserts that it is ready. */
static void daemon_up(test_daemon *d, const char *const *args, const char *cwd, const test_env *env,
		      const char *dir)
{
	memset(d, 0, sizeof *d);
	snprintf(d->dir, sizeof d->dir, "%s", dir);
	snprintf(d->log_path, sizeof d->log_path, "%s/stderr.log", dir);
	int out_fd;
	pid_t pid = spawn(binary(), args, cwd, env, d->log_path, &out_fd);
	ck_assert_msg(wait_ready(d, pid, out_fd) == 0, "the daemon did not start: %s",
		      test_daemon_fate(d));
}

/* Waits for `pid` to exit (10 s at most); its exit status, or -1. */
static int wait_exit(pid_t pid)
{
	int64_t deadline = test_monotonic_ms() + 10000;
	while (test_monotonic_ms() < deadline) {
		int status;
		pid_t done = waitpid(pid, &status, WNOHANG);
		if (done == pid) {
			test_untrack_daemon(pid);
			return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		}
		test_sleep_ms(20);
	}
	return -1;
}

/* Runs the daemon to its end (a start that must fail); its exit status. */
static int run_to_exit(const char *const *args, const char *cwd, const test_env *env,
		       const char *log_path, char *out, size_t cap)
{
	int out_fd;
	pid_t pid = spawn(binary(), args, cwd, env, log_path, &out_fd);
	int status = wait_exit(pid);
	ssize_t n = read(out_fd, out, cap - 1);
	out[n > 0 ? n : 0] = '\0';
	close(out_fd);
	return status;
}

static char *read_file(const char *path)
{
	FILE *file = fopen(path, "rb");
	if (!file)
		return strdup("");
	char *text = NULL;
	size_t len = 0;
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, file)) > 0)
		ck_assert_uint_eq(test_append(&text, &len, chunk, n, 16 << 20), n);
	fclose(file);
	return text ? text : strdup("");
}

static void write_file(const char *path, const char *text)
{
	FILE *file = fopen(path, "w");
	ck_assert_ptr_nonnull(file);
	ck_assert_int_ge(fputs(text, file), 0);
	ck_assert_int_eq(fclose(file), 0);
}

/* rm -rf of a test's own temporary tree. */
static void remove_tree(const char *path)
{
	char command[1200];
	ck_assert_msg(strncmp(path, "/tmp/connector-mock-test-", 25) == 0, "not a test dir: %s",
		      path);
	snprintf(command, sizeof command, "rm -rf '%s'", path);
	ck_assert_int_eq(system(command), 0);
}

/* Every path under `root` (files and directories), sorted, one a line. */
static char *tree_listing(const char *root)
{
	char command[1200];
	snprintf(command, sizeof command, "cd '%s' && find . | LC_ALL=C sort", root);
	FILE *pipe = popen(command, "r");
	ck_assert_ptr_nonnull(pipe);
	char *text = NULL;
	size_t len = 0;
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, pipe)) > 0)
		ck_assert_uint_eq(test_append(&text, &len, chunk, n, 16 << 20), n);
	ck_assert_int_eq(pclose(pipe), 0);
	return text ? text : strdup("");
}

static int task_count(const test_daemon *d)
{
	cJSON *root = test_get_json(d, "/_mock/tasks");
	int n = cJSON_GetArraySize(test_member(root, "tasks"));
	cJSON_Delete(root);
	return n;
}

/* The OMS page's resume request must succeed. */
static void resume_page_task(const test_daemon *d)
{
	test_response r = test_oms_request(d, "resume", DOC_STOPPED, NULL, NULL);
	char err_code[64];
	ck_assert_msg(r.status == 200 && test_envelope_ok(&r, err_code, sizeof err_code),
		      "resume: HTTP %ld %s", r.status, r.body);
	test_response_free(&r);
}

/* ---- with no flags, from anywhere -------------------------------------- */

START_TEST(defaults_from_anywhere)
{
	char dir[256], home[300], db[512];
	test_temp_dir(dir, sizeof dir);
	snprintf(home, sizeof home, "%s/home", dir);
	ck_assert_int_eq(mkdir(home, 0700), 0);
	test_env env;
	env_base(&env, home);
	env_add(&env, "CONNECTOR_MOCK_PORT=0"); /* not a flag: the environment */
	test_daemon d;
	daemon_up(&d, NULL, "/", &env, dir);
	snprintf(db, sizeof db, "%s/.local/state/connector-mock/connector-mock.db", home);
	ck_assert_msg(access(db, F_OK) == 0, "no database at %s", db);
	ck_assert_int_eq(task_count(&d), DEFAULT_TASKS);
	resume_page_task(&d);
	ck_assert_int_eq(test_daemon_halt(&d), 0);
	remove_tree(dir);
}
END_TEST

typedef struct {
	const char *label;
	const char *vars[4]; /* name, then the directory under the test's own, ... */
	const char *db;	     /* under the test's directory */
} location_case;

static const location_case location_cases[] = {
	{"XDG_STATE_HOME", {"XDG_STATE_HOME", "xdg"}, "xdg/connector-mock/connector-mock.db"},
	{"STATE_DIRECTORY over XDG_STATE_HOME",
	 {"XDG_STATE_HOME", "xdg", "STATE_DIRECTORY", "lib"},
	 "lib/connector-mock.db"},
};

START_TEST(database_location)
{
	const location_case *c = &location_cases[_i];
	char dir[256], home[300], db[512];
	test_temp_dir(dir, sizeof dir);
	snprintf(home, sizeof home, "%s/home", dir);
	test_env env;
	env_base(&env, home);
	env_add(&env, "CONNECTOR_MOCK_PORT=0");
	for (int i = 0; i < 4 && c->vars[i]; i += 2)
		env_add(&env, "%s=%s/%s", c->vars[i], dir, c->vars[i + 1]);
	test_daemon d;
	daemon_up(&d, NULL, "/", &env, dir);
	snprintf(db, sizeof db, "%s/%s", dir, c->db);
	ck_assert_msg(access(db, F_OK) == 0, "%s: no database at %s", c->label, db);
	ck_assert_msg(access(home, F_OK) < 0, "%s: HOME was used", c->label);
	ck_assert_int_eq(test_daemon_halt(&d), 0);
	remove_tree(dir);
}
END_TEST

/* ---- a failed start leaves nothing -------------------------------------- */

typedef struct {
	const char *label;
	const char *args[4]; /* "/x" is x in the test's directory */
	bool port_taken;
	const char *says; /* on stderr */
} failed_start;

static const failed_start failed_starts[] = {
	{"missing fixtures", {"--fixtures", "/absent.json"}, false, "absent.json"},
	{"invalid fixtures", {"--fixtures", "/bad.json"}, false, "bad.json"},
	{"unknown built-in set", {"--fixtures", "nosuch"}, false, "built-in sets"},
	{"port in use", {NULL}, true, "already in use"},
};

START_TEST(failed_start_leaves_nothing)
{
	const failed_start *c = &failed_starts[_i];
	char dir[256], state[300], bad[300], log_path[300];
	test_temp_dir(dir, sizeof dir);
	snprintf(state, sizeof state, "%s/state", dir);
	snprintf(bad, sizeof bad, "%s/bad.json", dir);
	snprintf(log_path, sizeof log_path, "%s/stderr.log", dir);
	write_file(bad, "{\"tasks\": [{\"taskName\": \"not a task name\"}]}");
	test_env env;
	env_base(&env, "/nonexistent-home");
	/* three levels the daemon would have to create */
	env_add(&env, "XDG_STATE_HOME=%s/deeper/still", state);
	int listener = -1;
	if (c->port_taken) {
		listener = socket(AF_INET, SOCK_STREAM, 0);
		struct sockaddr_in where = {.sin_family = AF_INET,
					    .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
		socklen_t len = sizeof where;
		ck_assert_int_eq(bind(listener, (struct sockaddr *)&where, sizeof where), 0);
		ck_assert_int_eq(listen(listener, 1), 0);
		ck_assert_int_eq(getsockname(listener, (struct sockaddr *)&where, &len), 0);
		env_add(&env, "CONNECTOR_MOCK_PORT=%u", ntohs(where.sin_port));
	} else {
		env_add(&env, "CONNECTOR_MOCK_PORT=0");
	}
	char args[4][600];
	const char *argv[5] = {NULL};
	for (int i = 0; i < 4 && c->args[i]; i++) {
		snprintf(args[i], sizeof args[i], "%s%s", c->args[i][0] == '/' ? dir : "",
			 c->args[i]);
		argv[i] = args[i];
	}
	char out[512];
	int status = run_to_exit(argv, "/", &env, log_path, out, sizeof out);
	if (listener >= 0)
		close(listener);
	char *err = read_file(log_path);
	ck_assert_msg(status == 1, "%s: exit status %d (%s)", c->label, status, err);
	ck_assert_msg(strstr(out, "listening") == NULL, "%s: %s", c->label, out);
	ck_assert_msg(strstr(err, c->says) != NULL, "%s: stderr does not say \"%s\": %s", c->label,
		      c->says, err);
	ck_assert_msg(strstr(err, "libmicrohttpd") == NULL, "%s: %s", c->label, err);
	free(err);
	ck_assert_msg(access(state, F_OK) < 0, "%s: %s was left behind", c->label, state);
	remove_tree(dir);
}
END_TEST

/* An existing database is never removed by a failed start. */
START_TEST(failed_start_keeps_an_existing_database)
{
	char dir[256], log_path[300], db[300];
	test_temp_dir(dir, sizeof dir);
	snprintf(log_path, sizeof log_path, "%s/stderr.log", dir);
	snprintf(db, sizeof db, "%s/mock.db", dir);
	test_env env;
	env_base(&env, dir);
	env_add(&env, "CONNECTOR_MOCK_PORT=0");
	env_add(&env, "CONNECTOR_MOCK_DB=%s", db);
	test_daemon d;
	daemon_up(&d, NULL, "/", &env, dir);
	ck_assert_int_eq(test_daemon_halt(&d), 0);
	const char *const args[] = {"--fixtures", "/nonexistent.json", "--reset", NULL};
	char out[256];
	ck_assert_int_eq(run_to_exit(args, "/", &env, log_path, out, sizeof out), 1);
	ck_assert_msg(access(db, F_OK) == 0, "the existing database was removed");
	remove_tree(dir);
}
END_TEST

/* ---- the built-in fixture sets ----------------------------------------- */

START_TEST(builtin_fixture_sets)
{
	static const struct {
		const char *name;
		int tasks;
	} sets[] = {{"demo", DEMO_TASKS}, {"default", DEFAULT_TASKS}};
	char dir[256];
	test_temp_dir(dir, sizeof dir);
	test_env env;
	env_base(&env, dir);
	for (size_t i = 0; i < COUNT(sets); i++) {
		const char *const args[] = {
			"--port", "0", "--db", ":memory:", "--fixtures", sets[i].name, NULL};
		test_daemon d;
		daemon_up(&d, args, "/", &env, dir);
		ck_assert_msg(task_count(&d) == sets[i].tasks, "%s: %d tasks", sets[i].name,
			      task_count(&d));
		/* reset reads the same set again */
		cJSON_Delete(test_json_call(&d, "POST", "/_mock/reset", NULL, 200));
		ck_assert_int_eq(task_count(&d), sets[i].tasks);
		ck_assert_int_eq(test_daemon_halt(&d), 0);
	}
	remove_tree(dir);
}
END_TEST

/* ---- sd_notify ---------------------------------------------------------- */

/* A datagram socket bound at `name` (a path, or "@abstract"). */
static int notify_listener(const char *name)
{
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	struct sockaddr_un where = {.sun_family = AF_UNIX};
	size_t len = strlen(name);
	ck_assert_uint_lt(len, sizeof where.sun_path);
	memcpy(where.sun_path, name, len);
	if (name[0] == '@')
		where.sun_path[0] = '\0';
	socklen_t size = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len +
				     (name[0] == '@' ? 0 : 1));
	ck_assert_msg(bind(fd, (struct sockaddr *)&where, size) == 0, "bind %s: %s", name,
		      strerror(errno));
	return fd;
}

/* The next datagram (10 s at most), NUL-terminated into `out`. */
static void notify_next(int fd, char *out, size_t cap)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	ck_assert_msg(poll(&p, 1, 10000) == 1, "no notification within 10 s");
	ssize_t n = recv(fd, out, cap - 1, 0);
	ck_assert_int_gt(n, 0);
	out[n] = '\0';
}

START_TEST(notify_protocol)
{
	char dir[256], name[300];
	test_temp_dir(dir, sizeof dir);
	if (_i == 0)
		snprintf(name, sizeof name, "%s/notify", dir);
	else
		snprintf(name, sizeof name, "@connector-mock-test-%d", (int)getpid());
	int fd = notify_listener(name);
	test_env env;
	env_base(&env, dir);
	env_add(&env, "NOTIFY_SOCKET=%s", name);
	const char *const args[] = {"--port", "0", "--db", ":memory:", NULL};
	test_daemon d;
	daemon_up(&d, args, "/", &env, dir);
	char message[256];
	notify_next(fd, message, sizeof message);
	ck_assert_str_eq(message, "READY=1");
	/* READY comes after the ready line, so the daemon answers now */
	ck_assert_int_eq(task_count(&d), DEFAULT_TASKS);

	kill(d.pid, SIGHUP);
	notify_next(fd, message, sizeof message);
	ck_assert_msg(strncmp(message, "RELOADING=1\nMONOTONIC_USEC=", 27) == 0, "%s", message);
	notify_next(fd, message, sizeof message);
	ck_assert_str_eq(message, "READY=1");
	ck_assert_int_eq(task_count(&d), DEFAULT_TASKS); /* SIGHUP did not stop it */

	kill(d.pid, SIGTERM);
	notify_next(fd, message, sizeof message);
	ck_assert_str_eq(message, "STOPPING=1");
	ck_assert_int_eq(wait_exit(d.pid), 0);
	close(fd);
	if (_i == 0)
		unlink(name);
	remove_tree(dir);
}
END_TEST

/* ---- SIGHUP: log_level and log_format reload --------------------------- */

static int count_occurrences(const char *text, const char *needle)
{
	int n = 0;
	for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

START_TEST(sighup_reloads_logging)
{
	char dir[256], conf[300], name[300];
	test_temp_dir(dir, sizeof dir);
	snprintf(conf, sizeof conf, "%s/test.conf", dir);
	snprintf(name, sizeof name, "%s/notify", dir);
	write_file(conf, "[server]\nlog_level = info\n");
	int fd = notify_listener(name);
	test_env env;
	env_base(&env, dir);
	env_add(&env, "NOTIFY_SOCKET=%s", name);
	const char *const args[] = {"--port", "0", "--db", ":memory:", "--config", conf, NULL};
	test_daemon d;
	daemon_up(&d, args, "/", &env, dir);
	char message[256];
	notify_next(fd, message, sizeof message);
	char *probe = test_get_text(&d, "/_mock/health");
	free(probe);

	/* warn: no more access lines */
	write_file(conf, "[server]\nlog_level = warn\n");
	kill(d.pid, SIGHUP);
	notify_next(fd, message, sizeof message); /* RELOADING */
	notify_next(fd, message, sizeof message); /* READY */
	char *log = read_file(d.log_path);
	ck_assert_msg(strstr(log, "reloaded: log_level info -> warn") != NULL, "%s", log);
	int access_lines = count_occurrences(log, " access method=");
	free(log);
	ck_assert_int_eq(access_lines, 1);
	probe = test_get_text(&d, "/_mock/health");
	free(probe);
	log = read_file(d.log_path);
	ck_assert_int_eq(count_occurrences(log, " access method="), 1);
	free(log);

	/* a broken file changes nothing, and the daemon goes on */
	write_file(conf, "[server]\nlog_level = loud\n");
	kill(d.pid, SIGHUP);
	notify_next(fd, message, sizeof message);
	notify_next(fd, message, sizeof message);
	log = read_file(d.log_path);
	ck_assert_msg(strstr(log, "reload refused") != NULL, "%s", log);
	free(log);

	/* back to info, as JSON lines */
	write_file(conf, "[server]\nlog_level = info\nlog_format = json\n");
	kill(d.pid, SIGHUP);
	notify_next(fd, message, sizeof message);
	notify_next(fd, message, sizeof message);
	probe = test_get_text(&d, "/_mock/health");
	free(probe);
	log = read_file(d.log_path);
	ck_assert_msg(strstr(log, "\"msg\":\"access\",\"method\":\"GET\"") != NULL, "%s", log);
	free(log);
	ck_assert_int_eq(test_daemon_halt(&d), 0);
	close(fd);
	remove_tree(dir);
}
END_TEST

/* ---- the access log ----------------------------------------------------- */

START_TEST(access_log_text)
{
	char dir[256];
	test_temp_dir(dir, sizeof dir);
	test_env env;
	env_base(&env, dir);
	const char *const args[] = {"--port", "0", "--db", ":memory:", NULL};
	test_daemon d;
	daemon_up(&d, args, "/", &env, dir);
	resume_page_task(&d);
	/* an injected error on stop, in a namespace */
	cJSON_Delete(test_json_call(&d, "POST", "/ns/team-a/_mock/faults",
				    "{\"op\":\"stop\",\"action\":{\"type\":\"error\","
				    "\"errCode\":\"INTERNAL_ERROR\",\"errMsg\":\"boom\"}}",
				    201));
	test_response r = test_request(
		&d, "POST", "/ns/team-a/connector/task/v2/stop?taskName=" DOC_STOPPED, NULL, NULL);
	test_response_free(&r);
	ck_assert_int_eq(test_daemon_halt(&d), 0);
	char *log = read_file(d.log_path);
	const char *resume = strstr(log, " info  access method=POST path=/connector/task/v2/resume "
					 "namespace=default op=resume taskName=" DOC_STOPPED
					 " status=200 errCode=- injected=- durationMs=");
	ck_assert_msg(resume != NULL, "no access line for the resume:\n%s", log);
	const char *stop = strstr(log, "access method=POST path=/ns/team-a/connector/task/v2/stop "
				       "namespace=team-a op=stop taskName=" DOC_STOPPED
				       " status=200 errCode=INTERNAL_ERROR injected=error");
	ck_assert_msg(stop != NULL, "no access line for the injected stop:\n%s", log);
	ck_assert_msg(strstr(log, "access method=POST path=/ns/team-a/_mock/faults "
				  "namespace=team-a op=- taskName=- status=201") != NULL,
		      "no access line for the fault:\n%s", log);
	free(log);
	remove_tree(dir);
}
END_TEST

START_TEST(access_log_json)
{
	char dir[256];
	test_temp_dir(dir, sizeof dir);
	test_env env;
	env_base(&env, dir);
	env_add(&env, "CONNECTOR_MOCK_LOG_FORMAT=json");
	const char *const args[] = {"--port", "0", "--db", ":memory:", NULL};
	test_daemon d;
	daemon_up(&d, args, "/", &env, dir);
	/* a taskName with a quote, a backslash and a control byte */
	test_response r = test_request(&d, "POST", "/connector/task/v2/stop?taskName=a%22b%5Cc%01d",
				       NULL, NULL);
	test_response_free(&r);
	ck_assert_int_eq(test_daemon_halt(&d), 0);
	char *log = read_file(d.log_path);
	int lines = 0, access_lines = 0;
	char *save = NULL;
	for (char *line = strtok_r(log, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		cJSON *entry = cJSON_Parse(line);
		ck_assert_msg(entry != NULL, "not a JSON line: %s", line);
		lines++;
		ck_assert_ptr_nonnull(test_string_member(entry, "time"));
		ck_assert_ptr_nonnull(test_string_member(entry, "level"));
		if (test_same_string(test_string_member(entry, "msg"), "access")) {
			access_lines++;
			ck_assert_pstr_eq(test_string_member(entry, "taskName"), "a\"b\\c\001d");
			ck_assert_pstr_eq(test_string_member(entry, "op"), "stop");
			ck_assert_pstr_eq(test_string_member(entry, "errCode"), "INVALID_ARGUMENT");
			ck_assert(cJSON_IsNull(test_member(entry, "injected")));
			ck_assert_int_eq((int)test_number_member(entry, "status"), 200);
			ck_assert(test_number_member(entry, "durationMs") >= 0);
		}
		cJSON_Delete(entry);
	}
	free(log);
	ck_assert_int_ge(lines, 3); /* seeded, database, access, signal, stopped */
	ck_assert_int_eq(access_lines, 1);
	remove_tree(dir);
}
END_TEST

/* ---- HEAD /_mock/health and /_mock/ready -------------------------------- */

static size_t count_body(char *data, size_t size, size_t count, void *user)
{
	(void)data;
	*(size_t *)user += size * count;
	return size * count;
}

/* A HEAD request (libcurl's NOBODY: it reads no body); the status, and the
 * body bytes that came anyway in `*body_bytes`. */
static long head_request(const test_daemon *d, const char *path, size_t *body_bytes)
{
	char url[256];
	snprintf(url, sizeof url, "%s%s", d->base_url, path);
	CURL *curl = curl_easy_init();
	ck_assert_ptr_nonnull(curl);
	*body_bytes = 0;
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, count_body);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, body_bytes);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
	long status = 0;
	if (curl_easy_perform(curl) == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(curl);
	return status;
}

START_TEST(health_head_and_ready)
{
	char dir[256], db[300];
	test_temp_dir(dir, sizeof dir);
	snprintf(db, sizeof db, "%s/mock.db", dir);
	test_env env;
	env_base(&env, dir);
	const char *const args[] = {"--port", "0", "--db", db, "--busy-timeout", "0", NULL};
	test_daemon d;
	daemon_up(&d, args, "/", &env, dir);

	size_t body_bytes;
	ck_assert_int_eq(head_request(&d, "/_mock/health", &body_bytes), 200);
	ck_assert_uint_eq(body_bytes, 0);
	cJSON *ready = test_get_json(&d, "/_mock/ready");
	ck_assert(cJSON_IsTrue(test_member(ready, "ready")));
	cJSON_Delete(ready);
	ck_assert_int_eq(head_request(&d, "/_mock/ready", &body_bytes), 200);

	/* another connection holds the write lock: not ready, and says why */
	sqlite3 *other;
	ck_assert_int_eq(sqlite3_open(db, &other), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	ready = test_json_call(&d, "GET", "/_mock/ready", NULL, 503);
	ck_assert(cJSON_IsFalse(test_member(ready, "ready")));
	ck_assert_ptr_nonnull(test_string_member(ready, "reason"));
	cJSON_Delete(ready);
	ck_assert_int_eq(sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(other);
	ready = test_get_json(&d, "/_mock/ready");
	ck_assert(cJSON_IsTrue(test_member(ready, "ready")));
	cJSON_Delete(ready);
	ck_assert_int_eq(test_daemon_halt(&d), 0);
	remove_tree(dir);
}
END_TEST

/* ---- make install / make uninstall --------------------------------------- */

/* Runs make in the checkout with `arguments`; asserts success. */
static void run_make(const char *arguments, const char *dir)
{
	char build[PATH_MAX], command[PATH_MAX * 3];
	/* the build directory of the binary under test (build or build/asan) */
	snprintf(build, sizeof build, "%s", test_binary_path());
	char *slash = strrchr(build, '/');
	ck_assert_ptr_nonnull(slash);
	*slash = '\0';
	/* a make of its own, not a job of the make that runs the suites */
	snprintf(command, sizeof command,
		 "env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory BUILD=%s %s "
		 ">>'%s/make.log' 2>&1",
		 build, arguments, dir);
	int status = system(command);
	if (status != 0) {
		char log_path[300];
		snprintf(log_path, sizeof log_path, "%s/make.log", dir);
		char *log = read_file(log_path);
		ck_abort_msg("%s: status %d\n%s", command, status, log);
	}
}

START_TEST(install_and_uninstall)
{
	char dir[256], root[300], home[300], installed[400], unit[400], command[1200];
	test_temp_dir(dir, sizeof dir);
	snprintf(root, sizeof root, "%s/root", dir);
	snprintf(home, sizeof home, "%s/home", dir);
	ck_assert_int_eq(mkdir(root, 0755), 0);
	char *before = tree_listing(root);

	char arguments[600];
	snprintf(arguments, sizeof arguments, "install DESTDIR='%s' PREFIX=/usr", root);
	run_make(arguments, dir);
	static const char *const expected[] = {
		"usr/bin/connector-mock",
		"usr/share/man/man1/connector-mock.1",
		"usr/share/doc/connector-mock/connector-mock.conf",
		"usr/share/connector-mock/fixtures/default.json",
		"usr/share/connector-mock/fixtures/demo.json",
		"usr/lib/systemd/system/connector-mock.service",
	};
	for (size_t i = 0; i < COUNT(expected); i++) {
		snprintf(installed, sizeof installed, "%s/%s", root, expected[i]);
		ck_assert_msg(access(installed, R_OK) == 0, "not installed: %s", expected[i]);
	}
	snprintf(unit, sizeof unit, "%s/usr/lib/systemd/system/connector-mock.service", root);
	char *unit_text = read_file(unit);
	ck_assert_msg(strstr(unit_text, "ExecStart=/usr/bin/connector-mock\n") != NULL, "%s",
		      unit_text);
	free(unit_text);
	/* the installed man page renders without a warning */
	snprintf(command, sizeof command,
		 "mandoc -T lint -W warning '%s/usr/share/man/man1/connector-mock.1' >&2", root);
	ck_assert_int_eq(system(command), 0);

	/* the installed binary, from /, with no flags (the port from the
	 * environment, as a container would give it) */
	snprintf(installed, sizeof installed, "%s/usr/bin/connector-mock", root);
	test_env env;
	env_base(&env, home);
	env_add(&env, "CONNECTOR_MOCK_PORT=0");
	test_daemon d;
	memset(&d, 0, sizeof d);
	snprintf(d.log_path, sizeof d.log_path, "%s/stderr.log", dir);
	int out_fd;
	pid_t pid = spawn(installed, NULL, "/", &env, d.log_path, &out_fd);
	ck_assert_msg(wait_ready(&d, pid, out_fd) == 0, "the installed daemon did not start: %s",
		      test_daemon_fate(&d));
	resume_page_task(&d);
	ck_assert_int_eq(test_daemon_halt(&d), 0);

	snprintf(arguments, sizeof arguments, "uninstall DESTDIR='%s' PREFIX=/usr", root);
	run_make(arguments, dir);
	/* nothing left: no file, and none of the directories of our own */
	snprintf(command, sizeof command,
		 "cd '%s' && test -z \"$(find . ! -type d)\" && ! test -e usr/share/connector-mock "
		 "&& ! test -e usr/share/doc/connector-mock",
		 root);
	char *after = tree_listing(root);
	ck_assert_msg(system(command) == 0, "left behind:\n%s", after);
	free(before);
	free(after);
	remove_tree(dir);
}
END_TEST

/* ---- the systemd unit ---------------------------------------------------- */

START_TEST(systemd_unit_verifies)
{
	if (system("command -v systemd-analyze >/dev/null 2>&1") != 0) {
		fprintf(stderr, "systemd_unit_verifies: no systemd-analyze here, skipped\n");
		return;
	}
	char dir[256], unit[300], command[PATH_MAX + 1024];
	test_temp_dir(dir, sizeof dir);
	snprintf(unit, sizeof unit, "%s/connector-mock.service", dir);
	/* ExecStart must name an executable that exists: the binary under test */
	snprintf(command, sizeof command,
		 "sed 's|^ExecStart=@BINDIR@/connector-mock|ExecStart=%s|' "
		 "dist/connector-mock.service > '%s'",
		 binary(), unit);
	ck_assert_int_eq(system(command), 0);
	char *text = read_file(unit);
	static const char *const required[] = {
		"Type=notify\n",
		"DynamicUser=yes\n",
		"StateDirectory=connector-mock\n",
		"ProtectSystem=strict\n",
		"NoNewPrivileges=yes\n",
		"PrivateTmp=yes\n",
		"ProtectHome=yes\n",
		"ExecReload=/bin/kill -HUP $MAINPID\n",
	};
	for (size_t i = 0; i < COUNT(required); i++)
		ck_assert_msg(strstr(text, required[i]) != NULL, "the unit lacks %s", required[i]);
	free(text);
	snprintf(command, sizeof command,
		 "systemd-analyze verify --man=no '%s' >'%s/verify.log' 2>&1", unit, dir);
	int status = system(command);
	char log_path[300];
	snprintf(log_path, sizeof log_path, "%s/verify.log", dir);
	char *log = read_file(log_path);
	ck_assert_msg(status == 0 && log[0] == '\0', "systemd-analyze verify: %d\n%s", status, log);
	free(log);
	remove_tree(dir);
}
END_TEST

static Suite *install_suite(void)
{
	Suite *suite = suite_create("integration_install");
	TCase *start = tcase_create("start");
	tcase_set_timeout(start, 60);
	tcase_add_test(start, defaults_from_anywhere);
	tcase_add_loop_test(start, database_location, 0, (int)COUNT(location_cases));
	tcase_add_loop_test(start, failed_start_leaves_nothing, 0, (int)COUNT(failed_starts));
	tcase_add_test(start, failed_start_keeps_an_existing_database);
	tcase_add_test(start, builtin_fixture_sets);
	suite_add_tcase(suite, start);

	TCase *operate = tcase_create("operate");
	tcase_set_timeout(operate, 60);
	tcase_add_loop_test(operate, notify_protocol, 0, 2);
	tcase_add_test(operate, sighup_reloads_logging);
	tcase_add_test(operate, access_log_text);
	tcase_add_test(operate, access_log_json);
	tcase_add_test(operate, health_head_and_ready);
	suite_add_tcase(suite, operate);

	TCase *install = tcase_create("install");
	tcase_set_timeout(install, 300);
	tcase_add_test(install, install_and_uninstall);
	tcase_add_test(install, systemd_unit_verifies);
	suite_add_tcase(suite, install);
	return suite;
}

int main(void) { return test_run_suite(install_suite()); }
