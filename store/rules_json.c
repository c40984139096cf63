/*
 * rules_json.c — enumerates the rules table through rules_decide.
 *
 * A transition row says: op (with `flag` "pullBackFlag"/"restartFlag" or
 * null), type, from; then either allowed with its effect ("state": moves to
 * `to`, which may equal `from`; "remove": the task is deleted; "none": a
 * lenient repeat that changes nothing) or refused with errCode, reason and
 * proposal.
 */
#include "rules_json.h"

/* The resume flags a client can send; the other operations take none. */
typedef struct {
	const char *name; /* NULL: no flag */
	rules_flags flags;
} flag_variant;

static const flag_variant resume_variants[] = {
	{NULL, {0}},
	{"pullBackFlag", {.pull_back = true}},
	{"restartFlag", {.restart = true}},
};

static const component_type shown_types[] = {COMPONENT_INCR_TRANS, COMPONENT_FULL_TRANS};

static const char *effect_name(rules_effect effect)
{
	return effect == EFFECT_SET_STATE ? "state" : effect == EFFECT_REMOVE ? "remove" : "none";
}

static cJSON *add_null_or_string(cJSON *object, const char *key, const char *value)
{
	return value ? cJSON_AddStringToObject(object, key, value)
		     : cJSON_AddNullToObject(object, key);
}

/* One row; NULL when memory runs out. */
static cJSON *transition(rules_op op, const flag_variant *variant, task_state from,
			 component_type type, rules_flags switches)
{
	rules_flags flags = switches;
	flags.pull_back = variant->flags.pull_back;
	flags.restart = variant->flags.restart;
	rules_decision decision = rules_decide(op, from, type, flags);
	bool allowed = decision.error == ERR_NONE;
	cJSON *row = cJSON_CreateObject();
	bool ok = row && cJSON_AddStringToObject(row, "op", rules_op_name(op)) &&
		  add_null_or_string(row, "flag", variant->name) &&
		  cJSON_AddStringToObject(row, "type", component_type_name(type)) &&
		  cJSON_AddStringToObject(row, "from", task_state_name(from)) &&
		  cJSON_AddBoolToObject(row, "allowed", allowed) &&
		  cJSON_AddStringToObject(row, "effect", effect_name(decision.effect)) &&
		  add_null_or_string(row, "to",
				     allowed && decision.effect == EFFECT_SET_STATE
					     ? task_state_name(decision.next)
					     : NULL) &&
		  add_null_or_string(row, "errCode", allowed ? NULL : error_name(decision.error)) &&
		  add_null_or_string(row, "reason", allowed ? NULL : decision.reason) &&
		  add_null_or_string(row, "proposal", allowed ? NULL : decision.proposal);
	if (!ok) {
		cJSON_Delete(row);
		return NULL;
	}
	return row;
}

static bool add_transitions(cJSON *list, rules_flags switches)
{
	for (int op = 0; op < OP__COUNT; op++) {
		size_t variants =
			op == OP_RESUME ? sizeof resume_variants / sizeof *resume_variants : 1;
		for (size_t v = 0; v < variants; v++)
			for (int state = 0; state < TASK__COUNT; state++)
				for (size_t t = 0; t < sizeof shown_types / sizeof *shown_types;
				     t++) {
					cJSON *row = transition((rules_op)op, &resume_variants[v],
								(task_state)state, shown_types[t],
								switches);
					if (!row || !cJSON_AddItemToArray(list, row)) {
						cJSON_Delete(row);
						return false;
					}
				}
	}
	return true;
}

static bool add_names(cJSON *root, const char *key, int count, const char *(*name)(int))
{
	cJSON *list = cJSON_AddArrayToObject(root, key);
	for (int i = 0; list && i < count; i++) {
		cJSON *item = cJSON_CreateString(name(i));
		if (!item || !cJSON_AddItemToArray(list, item)) {
			cJSON_Delete(item);
			return false;
		}
	}
	return list != NULL;
}

static const char *state_at(int i) { return task_state_name((task_state)i); }
static const char *op_at(int i) { return rules_op_name((rules_op)i); }
static const char *type_at(int i) { return component_type_name(shown_types[i]); }

cJSON *rules_json(rules_flags switches)
{
	cJSON *root = cJSON_CreateObject();
	cJSON *list = NULL;
	bool ok = root && cJSON_AddBoolToObject(root, "lenient", switches.lenient) &&
		  cJSON_AddBoolToObject(root, "deleteRunning", switches.delete_running) &&
		  cJSON_AddBoolToObject(root, "updateRunning", switches.update_running) &&
		  cJSON_AddBoolToObject(root, "refuseUpdateCreated",
					switches.refuse_update_created) &&
		  add_names(root, "states", TASK__COUNT, state_at) &&
		  add_names(root, "ops", OP__COUNT, op_at) &&
		  add_names(root, "types", (int)(sizeof shown_types / sizeof *shown_types),
			    type_at) &&
		  (list = cJSON_AddArrayToObject(root, "transitions")) != NULL &&
		  add_transitions(list, switches);
	if (!ok) {
		cJSON_Delete(root);
		return NULL;
	}
	return root;
}
