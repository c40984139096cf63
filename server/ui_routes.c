/*
 * ui_routes.c — serves the dashboard's files from the embedded table and
 * the state machine as JSON.
 *
 * The files change only with the binary, so each answer carries an ETag (a
 * hash of its bytes) and Cache-Control: no-cache: a browser revalidates and
 * gets a 304 while the binary is the same, and never runs a stale script
 * after an upgrade. The Content-Security-Policy allows nothing but the
 * daemon's own origin: the page loads no CDN and runs no inline script.
 */
#define _POSIX_C_SOURCE 200809L
#include "ui_routes.h"

#include <microhttpd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../store/rules_json.h"
#include "embedded.h"

#define UI_DIRECTORY "server/ui/"

static const char *const file_headers[] = {
	"Cache-Control",
	"no-cache",
	"X-Content-Type-Options",
	"nosniff",
	"Content-Security-Policy",
	"default-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; "
	"frame-ancestors 'none'",
	NULL,
};

/* The Content-Type of a file the page may load, by its ending; NULL for
 * any other file, which is then not served. */
static const char *content_type_of(const char *name)
{
	static const struct {
		const char *ending;
		const char *type;
	} types[] = {
		{".html", "text/html; charset=utf-8"},
		{".css", "text/css; charset=utf-8"},
		{".js", "text/javascript; charset=utf-8"},
		{".svg", "image/svg+xml"},
	};
	size_t len = strlen(name);
	for (size_t i = 0; i < sizeof types / sizeof *types; i++) {
		size_t ending = strlen(types[i].ending);
		if (len > ending && strcmp(name + len - ending, types[i].ending) == 0)
			return types[i].type;
	}
	return NULL;
}

/* FNV-1a over the file's bytes: an ETag that changes when the file does. */
static uint64_t fnv1a(const char *data, size_t len)
{
	uint64_t hash = 0xcbf29ce484222325u;
	for (size_t i = 0; i < len; i++) {
		hash ^= (unsigned char)data[i];
		hash *= 0x100000001b3u;
	}
	return hash;
}

static http_response serve(const http_request *request, const char *name)
{
	char path[128];
	const char *type = content_type_of(name);
	int written = snprintf(path, sizeof path, UI_DIRECTORY "%s", name);
	const embedded_file *file =
		type && written > 0 && (size_t)written < sizeof path ? embedded_find(path) : NULL;
	if (!file)
		return http_plain_error(MHD_HTTP_NOT_FOUND, "NOT_FOUND",
					"the dashboard has no such file");
	http_response response = {
		.status = MHD_HTTP_OK, .content_type = type, .raw = true, .headers = file_headers};
	snprintf(response.etag, sizeof response.etag, "\"%016llx\"",
		 (unsigned long long)fnv1a(file->data, file->len));
	bool fresh = request->if_none_match && strcmp(request->if_none_match, response.etag) == 0;
	if (fresh)
		response.status = MHD_HTTP_NOT_MODIFIED;
	/* the glue frees the body; a file is small, so a copy costs little */
	response.body = strdup(fresh ? "" : file->data);
	return response;
}

http_response ui_page(const http_request *request, const char *unused)
{
	(void)unused;
	return serve(request, "index.html");
}

http_response ui_file(const http_request *request, const char *file)
{
	return serve(request, file);
}

http_response ui_rules(const http_request *request, const char *unused)
{
	(void)unused;
	/* the switches the OMS routes decide under (oms_routes.c) */
	rules_flags switches = settings_rules_flags(request->app->settings);
	cJSON *root = rules_json(switches);
	http_response response = {.status = MHD_HTTP_OK,
				  .body = root ? cJSON_PrintUnformatted(root) : NULL};
	cJSON_Delete(root);
	return response;
}
