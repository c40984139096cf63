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
} verdict;

/* The switch that turns a cell's verdict over (rules_flags). */
typedef enum {
	SWITCH_NONE,
	SWITCH_LENIENT,
	SWITCH_DELETE_RUNNING,
	SWITCH_UPDATE_RUNNING,
	SWITCH_REFUSE_UPDATE_CREATED,
} rules_switch;

/*
 * A cell holds both answers: what an allowed operation does (`effect`,
 * `next`) and what a refused one says (`error`, `reason`, `proposal`), so
 * that a switch only has to say which of the two applies.
 */
typedef struct {
	verdict verdict;
	rules_switch flip;   /* when on, the other verdict applies */
	rules_effect effect; /* when allowed */
	int next;	     /* with EFFECT_SET_STATE; KEEP = stay */
	error_code error;    /* when refused */
	const char *reason;
	const char *proposal;
} rule;

enum { KEEP = -1 };

#define OK(effect_, next_)                                                                         \
	{                                                                                          \
		ALLOW, SWITCH_NONE, effect_, next_, ERR_NONE, NULL, NULL                           \
	}
#define NO(error_, reason_, proposal_)                                                             \
	{                                                                                          \
		REFUSE, SWITCH_NONE, EFFECT_NONE, KEEP, error_, reason_, proposal_                 \
	}
/* A repeat: ILLEGAL_STATE, or with --lenient a success that changes nothing. */
#define AGAIN(reason_, proposal_)                                                                  \
	{                                                                                          \
		REFUSE, SWITCH_LENIENT, EFFECT_NONE, KEEP, ERR_ILLEGAL_STATE, reason_, proposal_   \
	}
/* Refused unless `switch_` allows it, then it does `effect_`. */
#define NO_UNLESS(switch_, effect_, reason_, proposal_)                                            \
	{                                                                                          \
		REFUSE, switch_, effect_, KEEP, ERR_ILLEGAL_STATE, reason_, proposal_              \
	}
/* Allowed (keeping the state) unless `switch_` refuses it. */
#define OK_UNLESS(switch_, reason_, proposal_)                                                     \
	{                                                                                          \
		ALLOW, switch_, EFFECT_SET_STATE, KEEP, ERR_ILLEGAL_STATE, reason_, proposal_      \
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
			/* mock rules, both switchable (docs/parity.md) */
			[TASK_CREATED] = OK_UNLESS(SWITCH_REFUSE_UPDATE_CREATED,
						   "the connector has never been started",
						   "Start the project from OMS first."),
			[TASK_RUNNING] =
				NO_UNLESS(SWITCH_UPDATE_RUNNING, EFFECT_SET_STATE,
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
			/* mock rule, switchable (docs/parity.md) */
			[TASK_RUNNING] =
				NO_UNLESS(SWITCH_DELETE_RUNNING, EFFECT_REMOVE,
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

static bool switch_on(rules_switch flip, rules_flags flags)
{
	switch (flip) {
	case SWITCH_LENIENT:
		return flags.lenient;
	case SWITCH_DELETE_RUNNING:
		return flags.delete_running;
	case SWITCH_UPDATE_RUNNING:
		return flags.update_running;
	case SWITCH_REFUSE_UPDATE_CREATED:
		return flags.refuse_update_created;
	case SWITCH_NONE:
	default:
		return false;
	}
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
	verdict v = row->verdict;
	if (switch_on(row->flip, flags))
		v = v == ALLOW ? REFUSE : ALLOW;
	if (v == REFUSE)
		return refuse(row->error, row->reason, row->proposal);
	rules_decision decision = {
		.error = ERR_NONE,
		.effect = row->effect,
		.next = row->next == KEEP ? state : (task_state)row->next,
	};
	if (op == OP_RESUME && row->effect != EFFECT_NONE) {
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
