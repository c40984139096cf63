/*
 * fuzz_taskname.c — the taskName grammar (store/taskname.c).
 *
 * The input is a candidate taskName, as it arrives in the taskName
 * parameter, without a terminating NUL. Properties:
 *   - taskname_parse never reads past `len` bytes and, on failure, names why;
 *   - names have one spelling: when the parse succeeds, taskname_format gives
 *     back exactly the input bytes, and parsing that text again gives the
 *     same parts;
 *   - the parts keep their grammar (host, port range, type, SEQ digits), and
 *     taskname_identity is the third ':'-separated part of the input;
 *   - taskname_check_host agrees with its own rules on the whole input.
 */
#include <stdbool.h>

#include "../store/taskname.h"
#include "fuzz_common.h"

static bool in_host_set(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       c == '.' || c == '*' || c == '_' || c == '-';
}

static void check_parts(const taskname *name, const char *text, size_t len)
{
	const char *why = NULL;
	FUZZ_CHECK(taskname_check_host(name->host, strlen(name->host), &why) == 0,
		   "parsed host \"%s\" fails taskname_check_host: %s", name->host,
		   why ? why : "(no reason)");
	FUZZ_CHECK(name->port >= 1 && name->port <= 65535, "port %u", name->port);
	FUZZ_CHECK(name->seq <= UINT64_C(9999999999), "seq %llu", (unsigned long long)name->seq);
	FUZZ_CHECK(strlen(name->project) >= 1 && strchr(name->project, '-') == NULL,
		   "project \"%s\"", name->project);
	FUZZ_CHECK(strlen(name->type) >= 1, "empty type");
	component_type expected = strcmp(name->type, "incr_trans") == 0	  ? COMPONENT_INCR_TRANS
				  : strcmp(name->type, "full_trans") == 0 ? COMPONENT_FULL_TRANS
									  : COMPONENT_OTHER;
	FUZZ_CHECK(name->component == expected, "type \"%s\" gave component %d", name->type,
		   (int)name->component);
	FUZZ_CHECK(component_type_name(name->component) != NULL, "component name NULL");

	/* the identity is the third part of the text, byte for byte */
	const char *c1 = memchr(text, ':', len);
	FUZZ_CHECK(c1 != NULL, "a parsed name has no ':'");
	const char *c2 = memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - text));
	FUZZ_CHECK(c2 != NULL, "a parsed name has one ':'");
	const char *c3 = memchr(c2 + 1, ':', len - (size_t)(c2 + 1 - text));
	FUZZ_CHECK(c3 != NULL, "a parsed name has two ':'");
	char identity[TASKNAME_IDENTITY_MAX + 1];
	taskname_identity(name, identity, sizeof identity);
	size_t identity_len = (size_t)(c3 - c2 - 1);
	FUZZ_CHECK(strlen(identity) == identity_len && memcmp(identity, c2 + 1, identity_len) == 0,
		   "identity \"%s\" is not the third part \"%.*s\"", identity, (int)identity_len,
		   c2 + 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_exact_copy(data, size);

	taskname name;
	const char *why = NULL;
	int rc = taskname_parse(text, size, &name, &why);
	/* the same answer when the caller does not want the reason */
	taskname quiet;
	FUZZ_CHECK(taskname_parse(text, size, &quiet, NULL) == rc, "why=NULL changes the result");
	if (rc == 0) {
		FUZZ_CHECK(size <= TASKNAME_MAX, "a %zu-byte name parsed (max %d)", size,
			   (int)TASKNAME_MAX);
		char formatted[TASKNAME_MAX + 1];
		taskname_format(&name, formatted, sizeof formatted);
		size_t formatted_len = strlen(formatted);
		FUZZ_CHECK(formatted_len == size && memcmp(formatted, text, size) == 0,
			   "round trip: parsed %zu bytes \"%.*s\", formatted \"%s\"", size,
			   (int)size, text, formatted);
		check_parts(&name, text, size);

		taskname again;
		FUZZ_CHECK(taskname_parse(formatted, formatted_len, &again, &why) == 0,
			   "the formatted name does not parse: %s", why);
		FUZZ_CHECK(strcmp(again.host, name.host) == 0 && again.port == name.port &&
				   strcmp(again.project, name.project) == 0 &&
				   strcmp(again.type, name.type) == 0 &&
				   strcmp(again.sub, name.sub) == 0 &&
				   strcmp(again.idx, name.idx) == 0 && again.seq == name.seq &&
				   again.component == name.component,
			   "reparsing \"%s\" gives other parts", formatted);
	} else {
		FUZZ_CHECK(why != NULL && why[0] != '\0', "a refused name without a reason");
	}

	/* the whole input as a HOST token (the `ip` parameter of migrate) */
	why = NULL;
	int host_rc = taskname_check_host(text, size, &why);
	FUZZ_CHECK(taskname_check_host(text, size, NULL) == host_rc,
		   "why=NULL changes the host result");
	if (host_rc == 0) {
		FUZZ_CHECK(size >= 1 && size <= TASKNAME_HOST_MAX, "host of %zu bytes accepted",
			   size);
		for (size_t i = 0; i < size; i++)
			FUZZ_CHECK(in_host_set(text[i]), "host byte 0x%02x accepted",
				   (unsigned char)text[i]);
	} else {
		FUZZ_CHECK(host_rc == -1 && why != NULL && why[0] != '\0',
			   "a refused host without a reason (rc %d)", host_rc);
	}

	free(text);
	return 0;
}
