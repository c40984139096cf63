/*
 * unit_rules.c — the state machine as a table (docs/behaviour.md §3 and §4).
 *
 * `expected_decision` below is written by hand from the contract, not from
 * rules.c: every op × state × component type × flag combination × lenient
 * is compared with what `rules_decide` answers.
 */
#include <stdio.h>
#include <string.h>

#include "../store/errors.h"
#include "../store/rules.h"
#include "support.h"

typedef struct {
	error_code error;
	rules_effect effect;
	task_state next; /* compared only with EFFECT_SET_STATE */
	bool needs_checkpoint;
	bool restart_progress;
} expectation;

static expectation refuse(error_code error)
{
	return (expectation){.error = error, .effect = EFFECT_NONE};
}

static expectation move_to(task_state next)
{
	return (expectation){.error = ERR_NONE, .effect = EFFECT_SET_STATE, .next = next};
}

static expectation nothing(void) { return (expectation){.error = ERR_NONE, .effect = EFFECT_NONE}; }

/*
 * docs/behaviour.md §3. The resume flags are parameters of resume only; the other
 * operations take no such parameter, so the flags do not change them.
 */
static expectation expected_decision(rules_op op, task_state state, component_type type,
				     rules_flags flags)
{
	switch (op) {
	case OP_RESUME:
		/* the request's own flags first, then the type, then the state */
		if (flags.pull_back && flags.restart)
			return refuse(ERR_INVALID_ARGUMENT);
		if (flags.pull_back && type != COMPONENT_INCR_TRANS)
			return refuse(ERR_UNSUPPORTED_OPERATION);
		if (flags.restart && type != COMPONENT_FULL_TRANS)
			return refuse(ERR_UNSUPPORTED_OPERATION);
		switch (state) {
		case TASK_STOPPED:
		case TASK_ABNORMAL: {
			expectation e = move_to(TASK_RUNNING);
			e.needs_checkpoint = flags.pull_back;
			e.restart_progress = flags.restart;
			return e;
		}
		case TASK_RUNNING:
			/* a repeat: lenient answers success and changes nothing */
			return flags.lenient ? nothing() : refuse(ERR_ILLEGAL_STATE);
		case TASK_CREATED:
			return refuse(ERR_UNSUPPORTED_OPERATION);
		case TASK_FINISHED:
		default:
			return refuse(ERR_ILLEGAL_STATE);
		}
	case OP_STOP:
		switch (state) {
		case TASK_RUNNING:
		case TASK_ABNORMAL:
			return move_to(TASK_STOPPED);
		case TASK_STOPPED:
			return flags.lenient ? nothing() : refuse(ERR_ILLEGAL_STATE);
		default:
			return refuse(ERR_ILLEGAL_STATE);
		}
	case OP_UPDATE:
		switch (state) {
		case TASK_CREATED:
		case TASK_STOPPED:
		case TASK_ABNORMAL:
			return move_to(state); /* config changed, state kept */
		default:
			return refuse(ERR_ILLEGAL_STATE);
		}
	case OP_MIGRATE:
		switch (state) {
		case TASK_FINISHED:
			return refuse(ERR_ILLEGAL_STATE);
		case TASK_ABNORMAL:
			return move_to(TASK_STOPPED); /* mock rule */
		default:
			return move_to(state);
		}
	case OP_DELETE:
		switch (state) {
		case TASK_RUNNING:
			return refuse(ERR_ILLEGAL_STATE);
		default:
			return (expectation){.error = ERR_NONE, .effect = EFFECT_REMOVE};
		}
	default:
		ck_abort_msg("unknown op %d", (int)op);
	}
	return refuse(ERR__COUNT);
}

static const char *const effect_names[] = {"EFFECT_NONE", "EFFECT_SET_STATE", "EFFECT_REMOVE"};

static const char *effect_name(rules_effect effect)
{
	return (unsigned)effect < COUNT(effect_names) ? effect_names[effect] : "EFFECT_?";
}

static const char *code_name(error_code code)
{
	return code == ERR_NONE ? "ERR_NONE" : error_name(code);
}

/* The table's size: op × state × type × (pull_back, restart) × lenient. */
enum {
	FLAG_COMBINATIONS = 4,
	CASES = OP__COUNT * TASK__COUNT * COMPONENT__COUNT * FLAG_COMBINATIONS * 2,
};

/* Unpacks case number `i` into its coordinates. */
static void case_of(int i, rules_op *op, task_state *state, component_type *type,
		    rules_flags *flags)
{
	flags->lenient = i % 2;
	i /= 2;
	int combination = i % FLAG_COMBINATIONS;
	flags->pull_back = combination & 1;
	flags->restart = (combination & 2) != 0;
	i /= FLAG_COMBINATIONS;
	*type = (component_type)(i % COMPONENT__COUNT);
	i /= COMPONENT__COUNT;
	*state = (task_state)(i % TASK__COUNT);
	i /= TASK__COUNT;
	*op = (rules_op)i;
}

START_TEST(test_decide_table)
{
	rules_op op;
	task_state state;
	component_type type;
	rules_flags flags;
	case_of(_i, &op, &state, &type, &flags);
	char label[256];
	snprintf(label, sizeof label, "%s from %s, %s, pullBack=%d restart=%d lenient=%d",
		 rules_op_name(op), task_state_name(state), component_type_name(type),
		 flags.pull_back, flags.restart, flags.lenient);

	expectation want = expected_decision(op, state, type, flags);
	rules_decision got = rules_decide(op, state, type, flags);

	ck_assert_msg(got.error == want.error, "%s: error %s, expected %s", label,
		      code_name(got.error), code_name(want.error));
	ck_assert_msg(got.effect == want.effect, "%s: effect %s, expected %s", label,
		      effect_name(got.effect), effect_name(want.effect));
	if (want.effect == EFFECT_SET_STATE)
		ck_assert_msg(got.next == want.next, "%s: next %s, expected %s", label,
			      task_state_name(got.next), task_state_name(want.next));
	ck_assert_msg(got.needs_checkpoint == want.needs_checkpoint,
		      "%s: needs_checkpoint %d, expected %d", label, got.needs_checkpoint,
		      want.needs_checkpoint);
	ck_assert_msg(got.restart_progress == want.restart_progress,
		      "%s: restart_progress %d, expected %d", label, got.restart_progress,
		      want.restart_progress);
	if (got.error != ERR_NONE) {
		ck_assert_msg(got.reason && got.reason[0], "%s: refused without a reason", label);
		ck_assert_msg(got.proposal && got.proposal[0], "%s: refused without a proposal",
			      label);
	}
}
END_TEST

/* The table holds each kind of answer; a table of only refusals, or of
 * only successes, would pass too easily. */
START_TEST(test_expectations_cover_every_outcome)
{
	int seen[ERR__COUNT] = {0}, effects[3] = {0};
	for (int i = 0; i < CASES; i++) {
		rules_op op;
		task_state state;
		component_type type;
		rules_flags flags;
		case_of(i, &op, &state, &type, &flags);
		expectation want = expected_decision(op, state, type, flags);
		seen[want.error]++;
		effects[want.effect]++;
	}
	ck_assert_int_gt(seen[ERR_NONE], 0);
	ck_assert_int_gt(seen[ERR_INVALID_ARGUMENT], 0);
	ck_assert_int_gt(seen[ERR_ILLEGAL_STATE], 0);
	ck_assert_int_gt(seen[ERR_UNSUPPORTED_OPERATION], 0);
	ck_assert_int_gt(effects[EFFECT_NONE], 0);
	ck_assert_int_gt(effects[EFFECT_SET_STATE], 0);
	ck_assert_int_gt(effects[EFFECT_REMOVE], 0);
}
END_TEST

/* Named spot checks of the key rules, so that a failure reads plainly. */
typedef struct {
	const char *label;
	rules_op op;
	task_state state;
	component_type type;
	bool pull_back, restart, lenient;
	error_code error;
	rules_effect effect;
	task_state next;
} spot;

static const spot spots[] = {
	{"pull back an ABNORMAL incr", OP_RESUME, TASK_ABNORMAL, COMPONENT_INCR_TRANS, true, false,
	 false, ERR_NONE, EFFECT_SET_STATE, TASK_RUNNING},
	{"restart a STOPPED full", OP_RESUME, TASK_STOPPED, COMPONENT_FULL_TRANS, false, true,
	 false, ERR_NONE, EFFECT_SET_STATE, TASK_RUNNING},
	{"pull back a full: type before state", OP_RESUME, TASK_RUNNING, COMPONENT_FULL_TRANS, true,
	 false, false, ERR_UNSUPPORTED_OPERATION, EFFECT_NONE, TASK__COUNT},
	{"restart an incr: type before state", OP_RESUME, TASK_FINISHED, COMPONENT_INCR_TRANS,
	 false, true, false, ERR_UNSUPPORTED_OPERATION, EFFECT_NONE, TASK__COUNT},
	{"restart an other", OP_RESUME, TASK_STOPPED, COMPONENT_OTHER, false, true, false,
	 ERR_UNSUPPORTED_OPERATION, EFFECT_NONE, TASK__COUNT},
	{"both flags on a good task", OP_RESUME, TASK_STOPPED, COMPONENT_INCR_TRANS, true, true,
	 false, ERR_INVALID_ARGUMENT, EFFECT_NONE, TASK__COUNT},
	{"resume a RUNNING task, lenient", OP_RESUME, TASK_RUNNING, COMPONENT_INCR_TRANS, false,
	 false, true, ERR_NONE, EFFECT_NONE, TASK__COUNT},
	{"resume a CREATED task, lenient", OP_RESUME, TASK_CREATED, COMPONENT_INCR_TRANS, false,
	 false, true, ERR_UNSUPPORTED_OPERATION, EFFECT_NONE, TASK__COUNT},
	{"resume a FINISHED task, lenient", OP_RESUME, TASK_FINISHED, COMPONENT_FULL_TRANS, false,
	 false, true, ERR_ILLEGAL_STATE, EFFECT_NONE, TASK__COUNT},
	{"stop a STOPPED task, lenient", OP_STOP, TASK_STOPPED, COMPONENT_INCR_TRANS, false, false,
	 true, ERR_NONE, EFFECT_NONE, TASK__COUNT},
	{"stop a CREATED task, lenient", OP_STOP, TASK_CREATED, COMPONENT_INCR_TRANS, false, false,
	 true, ERR_ILLEGAL_STATE, EFFECT_NONE, TASK__COUNT},
	{"update a RUNNING task, lenient", OP_UPDATE, TASK_RUNNING, COMPONENT_INCR_TRANS, false,
	 false, true, ERR_ILLEGAL_STATE, EFFECT_NONE, TASK__COUNT},
	{"migrate an ABNORMAL task", OP_MIGRATE, TASK_ABNORMAL, COMPONENT_INCR_TRANS, false, false,
	 false, ERR_NONE, EFFECT_SET_STATE, TASK_STOPPED},
	{"migrate a RUNNING task", OP_MIGRATE, TASK_RUNNING, COMPONENT_FULL_TRANS, false, false,
	 false, ERR_NONE, EFFECT_SET_STATE, TASK_RUNNING},
	{"delete a FINISHED task", OP_DELETE, TASK_FINISHED, COMPONENT_FULL_TRANS, false, false,
	 false, ERR_NONE, EFFECT_REMOVE, TASK__COUNT},
	{"delete a RUNNING task, lenient", OP_DELETE, TASK_RUNNING, COMPONENT_FULL_TRANS, false,
	 false, true, ERR_ILLEGAL_STATE, EFFECT_NONE, TASK__COUNT},
};

START_TEST(test_spot_checks)
{
	const spot *s = &spots[_i];
	rules_flags flags = {
		.pull_back = s->pull_back, .restart = s->restart, .lenient = s->lenient};
	rules_decision got = rules_decide(s->op, s->state, s->type, flags);
	ck_assert_msg(got.error == s->error, "%s: error %s, expected %s", s->label,
		      code_name(got.error), code_name(s->error));
	ck_assert_msg(got.effect == s->effect, "%s: effect %s, expected %s", s->label,
		      effect_name(got.effect), effect_name(s->effect));
	if (s->effect == EFFECT_SET_STATE)
		ck_assert_msg(got.next == s->next, "%s: next %s, expected %s", s->label,
			      task_state_name(got.next), task_state_name(s->next));
}
END_TEST

/* rules_check_flags: both flags are refused before any task is looked up. */
START_TEST(test_check_flags)
{
	for (int combination = 0; combination < FLAG_COMBINATIONS; combination++) {
		for (int lenient = 0; lenient <= 1; lenient++) {
			rules_flags flags = {.pull_back = combination & 1,
					     .restart = (combination & 2) != 0,
					     .lenient = lenient};
			rules_decision got = rules_check_flags(OP_RESUME, flags);
			bool both = flags.pull_back && flags.restart;
			ck_assert_msg(got.error == (both ? ERR_INVALID_ARGUMENT : ERR_NONE),
				      "resume pullBack=%d restart=%d lenient=%d: %s",
				      flags.pull_back, flags.restart, lenient,
				      code_name(got.error));
			ck_assert_int_eq(got.effect, EFFECT_NONE);
			if (both) {
				ck_assert_msg(got.reason && got.reason[0], "no reason");
				ck_assert_msg(got.proposal && got.proposal[0], "no proposal");
			}
		}
	}
	/* without flags, every operation passes the flag check */
	for (int op = 0; op < OP__COUNT; op++) {
		rules_decision got = rules_check_flags((rules_op)op, (rules_flags){0});
		ck_assert_msg(got.error == ERR_NONE, "%s without flags: %s",
			      rules_op_name((rules_op)op), code_name(got.error));
	}
}
END_TEST

/* The contract's "allowed from" column of §3. */
static const bool allowed_from[OP__COUNT][TASK__COUNT] = {
	/*            CREATED RUNNING STOPPED ABNORMAL FINISHED */
	[OP_RESUME] = {false, false, true, true, false},
	[OP_STOP] = {false, true, false, true, false},
	[OP_UPDATE] = {true, false, true, true, false},
	[OP_MIGRATE] = {true, true, true, true, false},
	[OP_DELETE] = {true, false, true, true, true},
};

START_TEST(test_allowed_from)
{
	rules_op op = (rules_op)(_i / TASK__COUNT);
	task_state state = (task_state)(_i % TASK__COUNT);
	ck_assert_msg(rules_allowed_from(op, state) == allowed_from[op][state],
		      "%s from %s: %d, expected %d", rules_op_name(op), task_state_name(state),
		      rules_allowed_from(op, state), allowed_from[op][state]);
	/* without flags and strict, rules_decide agrees with the table */
	for (int type = 0; type < COMPONENT__COUNT; type++) {
		rules_decision got =
			rules_decide(op, state, (component_type)type, (rules_flags){0});
		ck_assert_msg((got.error == ERR_NONE) == allowed_from[op][state],
			      "%s from %s (%s): decide says %s", rules_op_name(op),
			      task_state_name(state), component_type_name((component_type)type),
			      code_name(got.error));
	}
}
END_TEST

static const char *const state_names[TASK__COUNT] = {
	[TASK_CREATED] = "CREATED",   [TASK_RUNNING] = "RUNNING",   [TASK_STOPPED] = "STOPPED",
	[TASK_ABNORMAL] = "ABNORMAL", [TASK_FINISHED] = "FINISHED",
};

static const char *const op_names[OP__COUNT] = {
	[OP_RESUME] = "resume",	  [OP_STOP] = "stop",	  [OP_UPDATE] = "update",
	[OP_MIGRATE] = "migrate", [OP_DELETE] = "delete",
};

START_TEST(test_names)
{
	for (int s = 0; s < TASK__COUNT; s++) {
		ck_assert_str_eq(task_state_name((task_state)s), state_names[s]);
		ck_assert_int_eq(task_state_from_name(state_names[s]), s);
	}
	for (int o = 0; o < OP__COUNT; o++) {
		ck_assert_str_eq(rules_op_name((rules_op)o), op_names[o]);
		ck_assert_int_eq(rules_op_from_name(op_names[o]), o);
	}
	ck_assert_ptr_nonnull(task_state_name(TASK__COUNT));
	ck_assert_ptr_nonnull(rules_op_name(OP__COUNT));

	static const char *const unknown[] = {"",	  "PAUSED",  "EXCEPTION", "RUNNING ",
					      "pullback", "resumes", "stopp",	  "RESUME_"};
	for (size_t i = 0; i < COUNT(unknown); i++) {
		ck_assert_msg(task_state_from_name(unknown[i]) == TASK__COUNT, "state \"%s\"",
			      unknown[i]);
		ck_assert_msg(rules_op_from_name(unknown[i]) == OP__COUNT, "op \"%s\"", unknown[i]);
	}
}
END_TEST

/* docs/behaviour.md §4: the wire names, and only INTERNAL_ERROR is retryable. */
START_TEST(test_error_codes)
{
	static const struct {
		error_code code;
		const char *name;
		bool retryable;
	} codes[] = {
		{ERR_INVALID_ARGUMENT, "INVALID_ARGUMENT", false},
		{ERR_TASK_NOT_FOUND, "TASK_NOT_FOUND", false},
		{ERR_ILLEGAL_STATE, "ILLEGAL_STATE", false},
		{ERR_UNSUPPORTED_OPERATION, "UNSUPPORTED_OPERATION", false},
		{ERR_INVALID_CHECKPOINT, "INVALID_CHECKPOINT", false},
		{ERR_INTERNAL_ERROR, "INTERNAL_ERROR", true},
		{ERR_INJECTED_FAULT, "INJECTED_FAULT", false},
	};
	ck_assert_uint_eq(COUNT(codes), ERR__COUNT - 1);
	for (size_t i = 0; i < COUNT(codes); i++) {
		ck_assert_str_eq(error_name(codes[i].code), codes[i].name);
		ck_assert_int_eq(error_from_name(codes[i].name), codes[i].code);
		ck_assert_msg(error_retryable(codes[i].code) == codes[i].retryable, "%s retryable",
			      codes[i].name);
	}
	ck_assert_str_eq(error_name(ERR_NONE), "");
	ck_assert_int_eq(error_from_name("NO_SUCH_CODE"), ERR__COUNT);
}
END_TEST

static Suite *rules_suite(void)
{
	Suite *suite = suite_create("rules");
	TCase *table = tcase_create("table");
	tcase_add_loop_test(table, test_decide_table, 0, CASES);
	tcase_add_test(table, test_expectations_cover_every_outcome);
	tcase_add_loop_test(table, test_spot_checks, 0, (int)COUNT(spots));
	tcase_add_test(table, test_check_flags);
	tcase_add_loop_test(table, test_allowed_from, 0, OP__COUNT * TASK__COUNT);
	suite_add_tcase(suite, table);

	TCase *names = tcase_create("names");
	tcase_add_test(names, test_names);
	tcase_add_test(names, test_error_codes);
	suite_add_tcase(suite, names);
	return suite;
}

int main(void) { return test_run_suite(rules_suite()); }
