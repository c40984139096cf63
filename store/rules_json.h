/*
 * rules_json.h — the state machine as JSON, for GET /_mock/rules and the
 * dashboard's diagram.
 *
 * Nothing here restates a rule: every row is what `rules_decide` answers
 * for one operation, state, component type and resume flag, so the picture
 * cannot drift from what the operations enforce.
 */
#ifndef CONNECTOR_MOCK_RULES_JSON_H
#define CONNECTOR_MOCK_RULES_JSON_H

#include <stdbool.h>

#include <cjson/cJSON.h>

#include "rules.h"

/*
 * Returns {"lenient", "states", "ops", "types", "transitions": [...]}, one
 * transition per op x flag x state x type (Incr-Sync and Full-Import), as
 * decided under the daemon's `switches` (the rules_flags its operations
 * use; their pull_back and restart are ignored: each row sets its own).
 * The caller frees it with cJSON_Delete. Returns NULL when memory runs out.
 */
cJSON *rules_json(rules_flags switches);

#endif
