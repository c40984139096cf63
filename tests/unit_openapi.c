/*
 * unit_openapi.c — docs/openapi.yaml describes exactly the routes the
 * daemon has: every row of the OMS and control routing tables is a path
 * and method of the document, and every path and method of the document
 * is a row of a table. Reads the document as compiled into the daemon
 * (its JSON form, converted from the YAML at build time).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../server/embedded.h"
#include "../server/routes.h"
#include "../server/version.h"
#include "support.h"

static const char *const methods[] = {"get",	 "put",	 "post",  "delete",
				      "options", "head", "patch", "trace"};

/* The document's paths object; asserts that the document is compiled in. */
static cJSON *document(void)
{
	const embedded_file *file = embedded_find("docs/openapi.json");
	ck_assert_msg(file != NULL, "docs/openapi.json is not compiled in");
	cJSON *root = cJSON_ParseWithLength(file->data, file->len);
	ck_assert_msg(root != NULL, "docs/openapi.json does not parse");
	return root;
}

/* "METHOD /path" of a table row, with each "*" segment written "{}". */
static void route_key(const char *method, const char *prefix, const char *pattern, char *out,
		      size_t cap)
{
	size_t n = (size_t)snprintf(out, cap, "%s %s", method, prefix);
	for (const char *p = pattern; *p && n + 3 < cap; p++) {
		if (*p == '*') {
			memcpy(out + n, "{}", 2);
			n += 2;
		} else {
			out[n++] = *p;
		}
	}
	out[n] = '\0';
}

/* "METHOD /path" of a document operation, each "{name}" written "{}". */
static void document_key(const char *method, const char *path, char *out, size_t cap)
{
	size_t n = 0;
	for (const char *m = method; *m && n + 1 < cap; m++)
		out[n++] = (char)(*m - 'a' + 'A');
	out[n++] = ' ';
	for (const char *p = path; *p && n + 3 < cap; p++) {
		if (*p == '{') {
			memcpy(out + n, "{}", 2);
			n += 2;
			while (*p && *p != '}')
				p++;
			if (!*p)
				break;
		} else {
			out[n++] = *p;
		}
	}
	out[n] = '\0';
}

enum { KEYS_MAX = 256, KEY_MAX = 256 };

typedef struct {
	char keys[KEYS_MAX][KEY_MAX];
	size_t count;
} key_set;

static void add_key(key_set *set, const char *key)
{
	ck_assert_uint_lt(set->count, KEYS_MAX);
	snprintf(set->keys[set->count++], KEY_MAX, "%s", key);
}

static bool has_key(const key_set *set, const char *key)
{
	for (size_t i = 0; i < set->count; i++)
		if (strcmp(set->keys[i], key) == 0)
			return true;
	return false;
}

/* Every route of the daemon's two tables. */
static void daemon_routes(key_set *set)
{
	char key[KEY_MAX];
	for (size_t i = 0; oms_route_name(i); i++) {
		route_key("POST", OMS_ROUTE_PREFIX, oms_route_name(i), key, sizeof key);
		add_key(set, key);
	}
	const char *method, *pattern;
	for (size_t i = 0; admin_route_describe(i, &method, &pattern) == 0; i++) {
		route_key(method, ADMIN_ROUTE_PREFIX, pattern, key, sizeof key);
		add_key(set, key);
	}
}

/* Every operation of the document. */
static void document_routes(const cJSON *root, key_set *set)
{
	const cJSON *paths = cJSON_GetObjectItemCaseSensitive(root, "paths");
	ck_assert_msg(cJSON_IsObject(paths), "the document has no paths");
	const cJSON *path;
	cJSON_ArrayForEach(path, paths)
	{
		for (size_t m = 0; m < COUNT(methods); m++) {
			if (!cJSON_GetObjectItemCaseSensitive(path, methods[m]))
				continue;
			char key[KEY_MAX];
			document_key(methods[m], path->string, key, sizeof key);
			add_key(set, key);
		}
	}
}

/* Writes a line into `report` for each route one side has and the other
 * lacks; returns how many. */
static size_t compare_routes(const key_set *routes, const key_set *documented, char *report,
			     size_t cap)
{
	size_t n = 0, differences = 0;
	report[0] = '\0';
	for (size_t i = 0; i < routes->count; i++)
		if (!has_key(documented, routes->keys[i]) && ++differences && n < cap)
			n += (size_t)snprintf(report + n, cap - n,
					      "\n  route %s is in the daemon's routing table "
					      "(server/oms_routes.c or server/admin_routes.c) but "
					      "not in docs/openapi.yaml",
					      routes->keys[i]);
	for (size_t i = 0; i < documented->count; i++)
		if (!has_key(routes, documented->keys[i]) && ++differences && n < cap)
			n += (size_t)snprintf(report + n, cap - n,
					      "\n  route %s is in docs/openapi.yaml but in neither "
					      "routing table (server/oms_routes.c, "
					      "server/admin_routes.c)",
					      documented->keys[i]);
	return differences;
}

START_TEST(every_route_is_documented_and_every_documented_route_exists)
{
	static key_set routes, documented;
	routes.count = documented.count = 0;
	daemon_routes(&routes);
	cJSON *root = document();
	document_routes(root, &documented);
	cJSON_Delete(root);
	char report[8192];
	size_t differences = compare_routes(&routes, &documented, report, sizeof report);
	ck_assert_msg(differences == 0, "the routes and the document differ ({} is any segment):%s",
		      report);
	ck_assert_uint_ge(routes.count, 29);
	ck_assert_uint_eq(routes.count, documented.count);
}
END_TEST

/* The comparison can fail, both ways, and names the route. */
START_TEST(a_missing_route_is_named)
{
	static key_set routes, documented;
	routes.count = documented.count = 0;
	daemon_routes(&routes);
	cJSON *root = document();
	cJSON *paths = cJSON_GetObjectItemCaseSensitive(root, "paths");
	cJSON_DeleteItemFromObjectCaseSensitive(paths, "/_mock/journal/count");
	document_routes(root, &documented);
	cJSON_Delete(root);
	add_key(&routes, "GET /_mock/no-such-route");
	char report[8192];
	ck_assert_uint_eq(compare_routes(&routes, &documented, report, sizeof report), 2);
	ck_assert_msg(strstr(report, "route GET /_mock/journal/count is in the daemon's routing "
				     "table") != NULL,
		      "%s", report);
	ck_assert_msg(
		strstr(report, "route GET /_mock/no-such-route is in the daemon's routing table") !=
			NULL,
		"%s", report);
	routes.count = 0;
	documented.count = 0;
	add_key(&documented, "HEAD /_mock/health");
	ck_assert_uint_eq(compare_routes(&routes, &documented, report, sizeof report), 1);
	ck_assert_msg(strstr(report, "route HEAD /_mock/health is in docs/openapi.yaml but in "
				     "neither routing table") != NULL,
		      "%s", report);
}
END_TEST

START_TEST(keys_are_normalized_alike)
{
	char a[KEY_MAX], b[KEY_MAX];
	route_key("POST", "/_mock/", "snapshots/*/restore", a, sizeof a);
	document_key("post", "/_mock/snapshots/{name}/restore", b, sizeof b);
	ck_assert_str_eq(a, b);
	ck_assert_str_eq(a, "POST /_mock/snapshots/{}/restore");
	document_key("get", "/_mock/tasks/{taskName}", b, sizeof b);
	ck_assert_str_eq(b, "GET /_mock/tasks/{}");
}
END_TEST

/* The document's version is the daemon's, as health reports it. */
START_TEST(document_version_is_the_daemons)
{
	cJSON *root = document();
	const cJSON *info = cJSON_GetObjectItemCaseSensitive(root, "info");
	const char *version = test_string_member(info, "version");
	char copy[64];
	snprintf(copy, sizeof copy, "%s", version ? version : "(none)");
	const char *openapi = test_string_member(root, "openapi");
	bool three_one = openapi && strncmp(openapi, "3.1.", 4) == 0;
	cJSON_Delete(root);
	ck_assert_str_eq(copy, CONNECTOR_MOCK_VERSION);
	ck_assert(three_one);
}
END_TEST

/* The servers' placeholder, which the daemon replaces with its address
 * when it serves the document, appears in `servers` and nowhere else. */
START_TEST(server_placeholder_is_only_in_servers)
{
	const embedded_file *yaml = embedded_find("docs/openapi.yaml");
	ck_assert_ptr_nonnull(yaml);
	size_t hits = 0;
	for (const char *p = yaml->data; (p = strstr(p, OPENAPI_SERVER_PLACEHOLDER)) != NULL; p++)
		hits++;
	cJSON *root = document();
	const cJSON *servers = cJSON_GetObjectItemCaseSensitive(root, "servers");
	size_t in_servers = 0;
	const cJSON *server;
	cJSON_ArrayForEach(server, servers)
	{
		const char *url = test_string_member(server, "url");
		if (url && strncmp(url, OPENAPI_SERVER_PLACEHOLDER,
				   strlen(OPENAPI_SERVER_PLACEHOLDER)) == 0)
			in_servers++;
	}
	cJSON_Delete(root);
	ck_assert_uint_eq(in_servers, 2);
	ck_assert_uint_eq(hits, in_servers);
}
END_TEST

static Suite *openapi_suite(void)
{
	Suite *suite = suite_create("openapi");
	TCase *tc = tcase_create("document");
	tcase_add_test(tc, every_route_is_documented_and_every_documented_route_exists);
	tcase_add_test(tc, a_missing_route_is_named);
	tcase_add_test(tc, keys_are_normalized_alike);
	tcase_add_test(tc, document_version_is_the_daemons);
	tcase_add_test(tc, server_placeholder_is_only_in_servers);
	suite_add_tcase(suite, tc);
	return suite;
}

int main(void) { return test_run_suite(openapi_suite()); }
