/*
 * rules.h — the connector state machine, as one table.
 *
 * Every decision of the five OMS operations about a task's state and
 * component type is made here, by pure functions over values: no database,
 * no clock, no globals. The store asks `rules_decide` inside its transaction
 * and applies what it answers; the tests walk the whole table.
 */
#ifndef CONNECTOR_MOCK_RULES_H
#define CONNECTOR_MOCK_RULES_H

#include <stdbool.h>

#include "errors.h"
#include "taskname.h"

typedef enum {
	TASK_CREATED,
	TASK_RUNNING,
	TASK_STOPPED,
	TASK_ABNORMAL,
	TASK_FINISHED,
	TASK__COUNT
} task_state;

/* The five operations that reach a task (pull back is stop+update+resume). */
typedef enum { OP_RESUME, OP_STOP, OP_UPDATE, OP_MIGRATE, OP_DELETE, OP__COUNT } rules_op;

typedef enum {
	EFFECT_NONE,	  /* refused, or a lenient repeat: nothing changes */
	EFFECT_SET_STATE, /* the task moves to `next` (may equal the old) */
	EFFECT_REMOVE,	  /* the task is deleted */
} rules_effect;

/*
 * The request's flags, and the switches of the mock rules that a real CM
 * might not enforce (docs/parity.md names each): a switch turns one cell of
 * the table over, from refused to allowed or back.
 */
typedef struct {
	bool pull_back;		    /* resume: pullBackFlag=true */
	bool restart;		    /* resume: restartFlag=true */
	bool lenient;		    /* --lenient: a repeated stop/resume succeeds, no change */
	bool delete_running;	    /* --delete-running allow: delete of a RUNNING task */
	bool update_running;	    /* --update-running allow: update of a RUNNING task */
	bool refuse_update_created; /* --update-created refuse: update of a CREATED task */
} rules_flags;

typedef struct {
	error_code error; /* ERR_NONE when allowed */
	rules_effect effect;
	task_state next;       /* with EFFECT_SET_STATE */
	bool needs_checkpoint; /* resume with pull back: check source.checkpoint */
	bool restart_progress; /* resume with restart: progress back to 0 */
	const char *reason;    /* with an error: why, one static sentence */
	const char *proposal;  /* with an error: what to do, one static sentence */
} rules_decision;

/*
 * Judges the request's own flags before any task is looked up: both flags
 * true is INVALID_ARGUMENT whatever the task. Returns a decision whose
 * `error` is ERR_NONE when the flags are acceptable.
 */
rules_decision rules_check_flags(rules_op op, rules_flags flags);

/*
 * Decides what `op` does to a task in `state` of component `type`.
 * Never fails; an operation that is not allowed comes back with `error` set
 * and `effect` EFFECT_NONE.
 */
rules_decision rules_decide(rules_op op, task_state state, component_type type, rules_flags flags);

/* Whether `op` is allowed from `state` by the table (ignores flags). */
bool rules_allowed_from(rules_op op, task_state state);

/* Wire names: "RUNNING", "resume"... Never NULL. */
const char *task_state_name(task_state state);
const char *rules_op_name(rules_op op);

/* Parse wire names; return TASK__COUNT / OP__COUNT when unknown. */
task_state task_state_from_name(const char *name);
rules_op rules_op_from_name(const char *name);

#endif
