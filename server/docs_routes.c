/*
 * docs_routes.c — the OpenAPI document, GET /_mock/openapi.yaml and
 * /_mock/openapi.json: docs/openapi.yaml as compiled in, and its JSON form
 * (converted at build time by tools/yaml2json.c).
 *
 * The document's servers name a placeholder address; the served copy names
 * the address the client reached instead (its Host header when that is a
 * plain host[:port], else the bound address), so that a client generated
 * from the served document talks to this daemon. Nothing else changes.
 */
#define _POSIX_C_SOURCE 200809L
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "embedded.h"
#include "routes.h"

/* A Host header worth echoing: a DNS name or IPv4 address, or an IPv6
 * literal in brackets, then an optional port; nothing that could break out
 * of a YAML or JSON string. */
static bool host_valid(const char *host)
{
	size_t len = host ? strlen(host) : 0;
	if (len == 0 || len > 255)
		return false;
	const char *port = NULL;
	if (host[0] == '[') {
		const char *close = strchr(host, ']');
		if (!close || close == host + 1 ||
		    strspn(host + 1, "0123456789abcdefABCDEF:.") != (size_t)(close - host - 1))
			return false;
		if (close[1] != '\0' && close[1] != ':')
			return false;
		port = close[1] ? close + 1 : NULL;
	} else {
		size_t name = strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					   "0123456789.-");
		if (name == 0 || (host[name] != '\0' && host[name] != ':'))
			return false;
		port = host[name] ? host + name : NULL;
	}
	if (!port)
		return true;
	size_t digits = strspn(port + 1, "0123456789");
	return digits >= 1 && digits <= 5 && port[1 + digits] == '\0' && atoi(port + 1) <= 65535;
}

/* `text` with every `placeholder` replaced by `address`; NULL when out of
 * memory. */
static char *with_address(const char *text, size_t len, const char *placeholder,
			  const char *address)
{
	size_t from = strlen(placeholder), to = strlen(address), hits = 0;
	for (const char *p = text; (p = strstr(p, placeholder)) != NULL; p += from)
		hits++;
	size_t cap = len + hits * (to > from ? to - from : 0) + 1;
	char *out = malloc(cap);
	if (!out)
		return NULL;
	char *w = out;
	const char *p = text, *hit;
	while ((hit = strstr(p, placeholder)) != NULL) {
		memcpy(w, p, (size_t)(hit - p));
		w += hit - p;
		memcpy(w, address, to);
		w += to;
		p = hit + from;
	}
	memcpy(w, p, len - (size_t)(p - text) + 1);
	return out;
}

static http_response serve(const http_request *request, const char *path, const char *type)
{
	const embedded_file *file = embedded_find(path);
	if (!file)
		return http_plain_error(MHD_HTTP_INTERNAL_SERVER_ERROR, "INTERNAL_ERROR",
					"the OpenAPI document was not compiled in");
	char address[300];
	if (host_valid(request->host))
		snprintf(address, sizeof address, "http://%s", request->host);
	else
		snprintf(address, sizeof address, "http://%s:%u", request->app->settings->listen,
			 request->app->port);
	return (http_response){
		.status = MHD_HTTP_OK,
		.body = with_address(file->data, file->len, OPENAPI_SERVER_PLACEHOLDER, address),
		.content_type = type,
		.raw = true,
	};
}

http_response docs_openapi_yaml(const http_request *request, const char *unused)
{
	(void)unused;
	return serve(request, "docs/openapi.yaml", "application/yaml; charset=utf-8");
}

http_response docs_openapi_json(const http_request *request, const char *unused)
{
	(void)unused;
	return serve(request, "docs/openapi.json", "application/json");
}
