/*
 * cm.c — requests to the CM and the control API, on one libcurl handle:
 * every request has the --timeout, answers are capped at CLI_ANSWER_MAX,
 * and no connection is reused (see cli_http_send). The envelope check,
 * error printing and the retries' backoff live here too; step.c decides
 * what is retried.
 */
#define _POSIX_C_SOURCE 200809L
#include "cm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int cli_base_set(cli_context *ctx, const char *url, char *why, size_t why_cap)
{
	size_t len = strlen(url);
	size_t scheme = strncmp(url, "http://", 7) == 0	   ? 7
			: strncmp(url, "https://", 8) == 0 ? 8
							   : 0;
	const char *problem = NULL;
	if (scheme == 0)
		problem = "it does not start with http:// or https://";
	else if (len > CLI_URL_MAX)
		problem = "it is longer than 2048 bytes";
	else if (len == scheme || url[scheme] == '/' || url[scheme] == ':')
		problem = "it has no host";
	for (size_t i = 0; !problem && i < len; i++) {
		unsigned char c = (unsigned char)url[i];
		if (c <= 0x20 || c == 0x7f)
			problem = "it holds a space or a control character";
		else if (c == '?' || c == '#')
			problem = "it holds a query or a fragment";
	}
	if (problem) {
		snprintf(why, why_cap,
			 "--cm '%.200s' is not an http URL (%s): give e.g. http://127.0.0.1:8088 "
			 "or http://127.0.0.1:8088/ns/test-42",
			 url, problem);
		return -1;
	}
	while (len > scheme && url[len - 1] == '/')
		len--;
	memcpy(ctx->base, url, len);
	ctx->base[len] = '\0';
	return 0;
}

static size_t sink(char *data, size_t size, size_t count, void *user)
{
	cli_http *http = user;
	size_t n = size * count;
	if (http->len + n > CLI_ANSWER_MAX)
		return 0;
	char *grown = realloc(http->body, http->len + n + 1);
	if (!grown)
		return 0;
	memcpy(grown + http->len, data, n);
	http->len += n;
	grown[http->len] = '\0';
	http->body = grown;
	return n;
}

int cli_http_send(cli_context *ctx, const char *method, const char *path, const char *body,
		  bool admin, cli_http *out)
{
	*out = (cli_http){0};
	out->body = calloc(1, 1);
	size_t url_len = strlen(ctx->base) + strlen(path) + 1;
	char *url = malloc(url_len);
	char auth[1024] = "";
	if (!url || !out->body) {
		free(url);
		snprintf(out->error, sizeof out->error, "out of memory");
		out->curl_code = CURLE_OUT_OF_MEMORY;
		return -1;
	}
	snprintf(url, url_len, "%s%s", ctx->base, path);
	struct curl_slist *headers = curl_slist_append(NULL, "Expect:");
	if (body)
		headers = curl_slist_append(headers, "Content-Type: application/json");
	if (admin && ctx->token) {
		snprintf(auth, sizeof auth, "Authorization: Bearer %s", ctx->token);
		headers = curl_slist_append(headers, auth);
	}
	char error[CURL_ERROR_SIZE] = "";
	CURL *curl = ctx->curl;
	curl_easy_reset(curl);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, ctx->timeout_ms);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "connectorctl");
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	/* A new connection for every request: on a reused connection that
	 * closes without an answer, libcurl silently sends the request again,
	 * and a step whose answer was lost (applied) would be applied twice
	 * behind our back. Every re-send must be this program's decision. */
	curl_easy_setopt(curl, CURLOPT_FRESH_CONNECT, 1L);
	curl_easy_setopt(curl, CURLOPT_FORBID_REUSE, 1L);
	if (strcmp(method, "POST") == 0) {
		curl_easy_setopt(curl, CURLOPT_POST, 1L);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body ? body : "");
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)(body ? strlen(body) : 0));
	} else if (strcmp(method, "GET") != 0) {
		curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
	}
	CURLcode rc = curl_easy_perform(curl);
	curl_slist_free_all(headers);
	free(url);
	out->curl_code = (int)rc;
	if (rc != CURLE_OK) {
		snprintf(out->error, sizeof out->error, "%s (curl error %d)",
			 error[0] ? error : curl_easy_strerror(rc), (int)rc);
		return -1;
	}
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &out->status);
	const char *type = NULL;
	curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &type);
	snprintf(out->content_type, sizeof out->content_type, "%s", type ? type : "");
	return 0;
}

void cli_http_free(cli_http *http)
{
	free(http->body);
	http->body = NULL;
}

char *cli_escape(cli_context *ctx, const char *text)
{
	return curl_easy_escape(ctx->curl, text, (int)strlen(text));
}

cJSON *cm_envelope(const cli_http *http)
{
	static const char *const keys[] = {"errCode",	"errMsg", "errorDetail",
					   "isSuccess", "result", "retryable"};
	cJSON *root = cJSON_ParseWithLength(http->body, http->len);
	bool ok = cJSON_IsObject(root) &&
		  cJSON_IsBool(cJSON_GetObjectItemCaseSensitive(root, "isSuccess"));
	for (size_t i = 0; ok && i < sizeof keys / sizeof *keys; i++)
		ok = cJSON_GetObjectItemCaseSensitive(root, keys[i]) != NULL;
	if (!ok) {
		cJSON_Delete(root);
		return NULL;
	}
	return root;
}

static const char *string_member(const cJSON *object, const char *key)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, key);
	return cJSON_IsString(item) ? item->valuestring : NULL;
}

void cm_print_refusal(const char *what, const cJSON *envelope)
{
	const char *code = string_member(envelope, "errCode");
	const char *message = string_member(envelope, "errMsg");
	const cJSON *detail = cJSON_GetObjectItemCaseSensitive(envelope, "errorDetail");
	const char *proposal = string_member(detail, "proposal");
	fprintf(stderr, "connectorctl: %s: %s: %s\n", what, code ? code : "(no errCode)",
		message ? message : "(no errMsg)");
	if (proposal)
		fprintf(stderr, "  proposal: %s\n", proposal);
}

void cli_print_unexpected(const char *what, const char *expected, const cli_http *http)
{
	fprintf(stderr, "connectorctl: %s: the answer is not %s: HTTP %ld, Content-Type '%s', ",
		what, expected, http->status, http->content_type);
	if (http->len == 0) {
		fprintf(stderr, "no body\n");
		return;
	}
	fprintf(stderr, "%zu bytes: ", http->len);
	size_t shown = http->len < 300 ? http->len : 300;
	for (size_t i = 0; i < shown; i++) {
		unsigned char c = (unsigned char)http->body[i];
		if (c < 0x20 || c == 0x7f || c == '\\')
			fprintf(stderr, "\\x%02x", c);
		else
			fputc(c, stderr);
	}
	fprintf(stderr, "%s\n", shown < http->len ? "..." : "");
}

static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

long cli_backoff(cli_context *ctx, int attempt)
{
	long delay = CLI_BACKOFF_BASE_MS;
	for (int i = 1; i < attempt && delay < CLI_BACKOFF_CAP_MS; i++)
		delay *= 2;
	if (delay > CLI_BACKOFF_CAP_MS)
		delay = CLI_BACKOFF_CAP_MS;
	/* "equal jitter": half fixed, half random, so that clients that failed
	 * together do not come back together */
	long ms = delay / 2 + (long)(splitmix64(&ctx->jitter) % (uint64_t)(delay / 2 + 1));
	struct timespec wait = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
	while (nanosleep(&wait, &wait) != 0)
		;
	return ms;
}
