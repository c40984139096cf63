/*
 * rules.c — the state machine of connector tasks.
 *
 * `state_table` is the one place that says which operation is allowed from
 * which state and where it leads; `rules_decide` adds the checks that depend
 * on the request's flags and the component type. Keep every rule here.
 */
#include "rules.h"

#include <string.h>

typedef enum {
	ALLOW,	/* apply the effect */
	REFUSE, /* the error of the row */
	REPEAT, /* ILLEGAL_STATE, but a success that changes nothing when lenient */
} verdict;

typedef struct {
	verdict verdict;
	error_code error;    /* with REFUSE/REPEAT */
	rules_effect effect; /* with ALLOW */
	int next;	     /* with EFFECT_SET_STATE; KEEP = stay */
	const char *reason;
	const char *proposal;
} rule;

enum { KEEP = -1 };

#define OK(effect_, next_)                                                                         \
	{                                                                                          \
		ALLOW, ERR_NONE, effect_, next_, NULL, NULL                                        \
	}
#define NO(error_, reason_, proposal_)                                                             \
	{                                                                                          \
		REFUSE, error_, EFFECT_NONE, KEEP, reason_, proposal_                              \
	}
#define AGAIN(reason_, proposal_)                                                                  \
	{                                                                                          \
		REPEAT, ERR_ILLEGAL_STATE, EFFECT_NONE, KEEP, reason_, proposal_                   \
	}

static const char stop_first[] = "Stop the connector first, then retry.";
static const char finished[] = "the Full-Import has finished";
static const char nothing_to_do[] =
	"Nothing to do; check the task's state before sending the operation.";

static const rule state_table[OP__COUNT][TASK__COUNT] = {
	[OP_RESUME] =
		{
			[TASK_CREATED] = NO(ERR_UNSUPPORTED_OPERATION,
					    "a connector cannot be started with this API right "
					    "after its project is created",
					    "Start the project from OMS; resume only a stopped or "
					    "failed connector."),
			[TASK_RUNNING] = AGAIN("the connector is already running", nothing_to_do),
			[TASK_STOPPED] = OK(EFFECT_SET_STATE, TASK_RUNNING),
			[TASK_ABNORMAL] = OK(EFFECT_SET_STATE, TASK_RUNNING),
			[TASK_FINISHED] = NO(ERR_ILLEGAL_STATE, finished,
					     "A finished Full-Import cannot be resumed; create a "
					     "new task to import again."),
		},
	[OP_STOP] =
		{
			[TASK_CREATED] =
				NO(ERR_ILLEGAL_STATE, "the connector has never been started",
				   "Start the project from OMS first."),
			[TASK_RUNNING] = OK(EFFECT_SET_STATE, TASK_STOPPED),
			[TASK_STOPPED] = AGAIN("the connector is already stopped", nothing_to_do),
			[TASK_ABNORMAL] = OK(EFFECT_SET_STATE, TASK_STOPPED),
			[TASK_FINISHED] = NO(ERR_ILLEGAL_STATE, finished,
					     "A finished Full-Import has nothing to stop."),
		},
	[OP_UPDATE] =
		{
			[TASK_CREATED] = OK(EFFECT_SET_STATE, KEEP),
			[TASK_RUNNING] =
				NO(ERR_ILLEGAL_STATE,
				   "the configuration of a running connector cannot change",
				   stop_first),
			[TASK_STOPPED] = OK(EFFECT_SET_STATE, KEEP),
			[TASK_ABNORMAL] = OK(EFFECT_SET_STATE, KEEP),
			[TASK_FINISHED] =
				NO(ERR_ILLEGAL_STATE, finished,
				   "A finished Full-Import's configuration is no longer used."),
		},
	[OP_MIGRATE] =
		{
			[TASK_CREATED] = OK(EFFECT_SET_STATE, KEEP),
			[TASK_RUNNING] = OK(EFFECT_SET_STATE, KEEP),
			[TASK_STOPPED] = OK(EFFECT_SET_STATE, KEEP),
			/* mock rule: a failed connector arrives stopped on its new host */
			[TASK_ABNORMAL] = OK(EFFECT_SET_STATE, TASK_STOPPED),
			[TASK_FINISHED] = NO(ERR_ILLEGAL_STATE, finished,
					     "A finished Full-Import has nothing to migrate."),
		},
	[OP_DELETE] =
		{
			[TASK_CREATED] = OK(EFFECT_REMOVE, KEEP),
			[TASK_RUNNING] = NO(ERR_ILLEGAL_STATE,
					    "a running connector cannot be deleted", stop_first),
			[TASK_STOPPED] = OK(EFFECT_REMOVE, KEEP),
			[TASK_ABNORMAL] = OK(EFFECT_REMOVE, KEEP),
			[TASK_FINISHED] = OK(EFFECT_REMOVE, KEEP),
		},
};

static rules_decision refuse(error_code error, const char *reason, const char *proposal)
{
	return (rules_decision){
		.error = error, .effect = EFFECT_NONE, .reason = reason, .proposal = proposal};
}

rules_decision rules_check_flags(rules_op op, rules_flags flags)
{
	if (op == OP_RESUME && flags.pull_back && flags.restart)
		return refuse(ERR_INVALID_ARGUMENT,
			      "pullBackFlag and restartFlag cannot both be true",
			      "Send pullBackFlag=true for an Incr-Sync pull back, or "
			      "restartFlag=true for a Full-Import restart, not both.");
	return (rules_decision){.error = ERR_NONE};
}

rules_decision rules_decide(rules_op op, task_state state, component_type type, rules_flags flags)
{
	if (op < 0 || op >= OP__COUNT || state < 0 || state >= TASK__COUNT)
		return refuse(ERR_INTERNAL_ERROR, "unknown operation or state",
			      "Report this as a bug of connector-mock.");
	rules_decision flag_check = rules_check_flags(op, flags);
	if (flag_check.error != ERR_NONE)
		return flag_check;
	if (op == OP_RESUME) {
		/* the flags' fit to the component is judged before the state */
		if (flags.pull_back && type != COMPONENT_INCR_TRANS)
			return refuse(
				ERR_UNSUPPORTED_OPERATION,
				"pullBackFlag=true is valid only for an Incr-Sync (incr_trans) "
				"component",
				"Resume without pullBackFlag, or send it to the incr_trans task.");
		if (flags.restart && type != COMPONENT_FULL_TRANS)
			return refuse(
				ERR_UNSUPPORTED_OPERATION,
				"restartFlag=true is valid only for a Full-Import (full_trans) "
				"component",
				"Resume without restartFlag, or send it to the full_trans task.");
	}
	const rule *row = &state_table[op][state];
	if (row->verdict == REPEAT && flags.lenient)
		return (rules_decision){.error = ERR_NONE, .effect = EFFECT_NONE};
	if (row->verdict != ALLOW)
		return refuse(row->error, row->reason, row->proposal);
	rules_decision decision = {
		.error = ERR_NONE,
		.effect = row->effect,
		.next = row->next == KEEP ? state : (task_state)row->next,
	};
	if (op == OP_RESUME) {
		decision.needs_checkpoint = flags.pull_back;
		decision.restart_progress = flags.restart;
	}
	return decision;
}

bool rules_allowed_from(rules_op op, task_state state)
{
	if (op < 0 || op >= OP__COUNT || state < 0 || state >= TASK__COUNT)
		return false;
	return state_table[op][state].verdict == ALLOW;
}

static const char *const state_names[TASK__COUNT] = {
	"CREATED", "RUNNING", "STOPPED", "ABNORMAL", "FINISHED",
};
static const char *const op_names[OP__COUNT] = {
	"resume", "stop", "update", "migrate", "delete",
};

const char *task_state_name(task_state state)
{
	return state >= 0 && state < TASK__COUNT ? state_names[state] : "UNKNOWN";
}

const char *rules_op_name(rules_op op)
{
	return op >= 0 && op < OP__COUNT ? op_names[op] : "unknown";
}

task_state task_state_from_name(const char *name)
{
	for (int s = 0; s < TASK__COUNT; s++)
		if (strcmp(state_names[s], name) == 0)
			return (task_state)s;
	return TASK__COUNT;
}

rules_op rules_op_from_name(const char *name)
{
	for (int o = 0; o < OP__COUNT; o++)
		if (strcmp(op_names[o], name) == 0)
			return (rules_op)o;
	return OP__COUNT;
}
