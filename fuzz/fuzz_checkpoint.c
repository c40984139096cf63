/*
 * fuzz_checkpoint.c — the pull-back checkpoint reader (configmap_checkpoint).
 *
 * Input layout:
 *
 *     CHECKPOINT [ '\0' CLIENTS ]
 *
 * CHECKPOINT becomes source.checkpoint (a config value is a C string, so it
 * ends at the first NUL). The config's source.clients is a fixed, realistic
 * list of two clients; when the input holds a NUL, the bytes after it are
 * tried as source.clients as well. Every checkpoint is also read from a
 * config without source.clients.
 *
 * Properties, on success:
 *   - the position is in [0, CONFIGMAP_CHECKPOINT_MAX] and is the value of one
 *     of the checkpoint's entries;
 *   - a checkpoint accepted against some clients is accepted without
 *     source.clients, with the same position (the clients only refuse);
 * and on failure, `why` says why.
 */
#include <cjson/cJSON.h>
#include <inttypes.h>
#include <math.h>

#include "../store/configmap.h"
#include "fuzz_common.h"

enum { WHY_MAX = 1024 };

static const char fixed_clients[] =
	"[{\"clientId\":\"p_493po_incr_client_1_0\",\"subtopic\":\"oms_store_p_493po_0_1_0\"},"
	"{\"clientId\":\"c2\",\"subtopic\":\"oms_store_t2\"}]";

static cJSON *make_config(const char *checkpoint, const char *clients)
{
	cJSON *config = cJSON_CreateObject();
	cJSON *source = cJSON_AddObjectToObject(config, "source");
	cJSON_AddStringToObject(source, "username", "oms_store_reader");
	FUZZ_CHECK(cJSON_AddStringToObject(source, "checkpoint", checkpoint) != NULL,
		   "out of memory");
	if (clients)
		FUZZ_CHECK(cJSON_AddStringToObject(source, "clients", clients) != NULL,
			   "out of memory");
	return config;
}

/* Whether one entry of the checkpoint text names `position`. */
static int names_position(const char *checkpoint, int64_t position)
{
	cJSON *parsed = cJSON_Parse(checkpoint);
	int found = 0;
	const cJSON *entry;
	cJSON_ArrayForEach(entry, parsed)
	{
		if (cJSON_IsString(entry)) {
			char *end = NULL;
			long long value = strtoll(entry->valuestring, &end, 10);
			found = found || (end && *end == '\0' && value == position);
		} else if (cJSON_IsNumber(entry)) {
			found = found || entry->valuedouble == (double)position;
		}
	}
	cJSON_Delete(parsed);
	return found;
}

/* Reads the checkpoint with `clients` (NULL: none); returns the rc. */
static int read_checkpoint(const char *checkpoint, const char *clients, int64_t *position)
{
	cJSON *config = make_config(checkpoint, clients);
	char why[WHY_MAX] = "";
	*position = -1;
	int rc = configmap_checkpoint(config, position, why, sizeof why);
	FUZZ_CHECK(rc == 0 || rc == -1, "configmap_checkpoint returned %d", rc);
	if (rc == 0) {
		FUZZ_CHECK(*position >= 0 && *position <= CONFIGMAP_CHECKPOINT_MAX,
			   "position %" PRId64 " out of range", *position);
		FUZZ_CHECK(names_position(checkpoint, *position),
			   "position %" PRId64 " is named by no entry of %.200s", *position,
			   checkpoint);
	} else {
		FUZZ_CHECK(why[0] != '\0', "a refused checkpoint without a reason");
		FUZZ_CHECK(strlen(why) < sizeof why, "why not terminated");
	}
	cJSON_Delete(config);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	size_t checkpoint_len = nul ? (size_t)(nul - data) : size;
	char *checkpoint = fuzz_string_copy(data, checkpoint_len);
	char *clients = nul ? fuzz_string_copy(nul + 1, size - checkpoint_len - 1) : NULL;

	int64_t without = -1, with_fixed = -1, with_input = -1;
	int rc_without = read_checkpoint(checkpoint, NULL, &without);
	if (read_checkpoint(checkpoint, fixed_clients, &with_fixed) == 0)
		FUZZ_CHECK(rc_without == 0 && without == with_fixed,
			   "accepted with clients (position %" PRId64
			   ") but not alike without them (rc %d, position %" PRId64 ")",
			   with_fixed, rc_without, without);
	if (clients && read_checkpoint(checkpoint, clients, &with_input) == 0)
		FUZZ_CHECK(rc_without == 0 && without == with_input,
			   "accepted with input clients (position %" PRId64
			   ") but not alike without them (rc %d, position %" PRId64 ")",
			   with_input, rc_without, without);

	free(checkpoint);
	free(clients);
	return 0;
}
