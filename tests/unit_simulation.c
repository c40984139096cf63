/*
 * unit_simulation.c — the pure simulation (store/simulation.h) as tables.
 *
 * The expectations are written from the documented behaviour (docs/
 * simulation.md), not from simulation.c: what every operation x state x
 * type x flag does to a task's motion, progress and position at chosen
 * times (exactly the duration, a millisecond before and after, a frozen
 * clock, a clock set back, huge advances, catch-up crossing the live edge),
 * failures drawn from the seed, and the settings' parser at and past every
 * bound.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../store/simulation.h"
#include "support.h"

#define T0 1767225600000LL /* 2026-01-01T00:00:00Z, unix ms */
#define ID_FULL "np_1-full_trans-1-0"
#define ID_INCR "np_1-incr_trans-1-0"

static sim_settings defaults(void)
{
	sim_settings s;
	sim_settings_default(&s);
	s.enabled = true;
	return s;
}

/* ---- what a change of state does ---------------------------------------- */

/* The expected change, by hand: START into RUNNING, FREEZE out of it, KEEP
 * within it (a migrate), NONE elsewhere. */
static sim_change expected_change(task_state from, task_state to)
{
	if (from == TASK_RUNNING && to == TASK_RUNNING)
		return SIM_CHANGE_KEEP;
	if (to == TASK_RUNNING)
		return SIM_CHANGE_START;
	if (from == TASK_RUNNING)
		return SIM_CHANGE_FREEZE;
	return SIM_CHANGE_NONE;
}

START_TEST(change_of_every_state_pair)
{
	for (int from = 0; from < TASK__COUNT; from++)
		for (int to = 0; to < TASK__COUNT; to++)
			ck_assert_int_eq(sim_change_of((task_state)from, (task_state)to),
					 expected_change((task_state)from, (task_state)to));
}
END_TEST

/*
 * Every op x state x type x (pullBack, restart): the rules decide, the
 * store applies the flags to the row (restart: progress 0; pull back: the
 * checkpoint from source.checkpoint), and the motion starts, freezes or is
 * kept as the table says. A row has progress 0.7 and checkpoint C; a pull
 * back sets it to P.
 */
START_TEST(every_operation_state_type_and_flag)
{
	const int64_t C = T0 / 1000 - 600, P = T0 / 1000 - 3600;
	sim_settings s = defaults();
	int checked = 0, started = 0;
	for (int op = 0; op < OP__COUNT; op++)
		for (int state = 0; state < TASK__COUNT; state++)
			for (int type = 0; type < COMPONENT__COUNT; type++)
				for (int combination = 0; combination < 4; combination++) {
					rules_flags flags = {.pull_back = combination & 1,
							     .restart = (combination & 2) != 0};
					rules_decision d = rules_check_flags((rules_op)op, flags);
					if (d.error == ERR_NONE)
						d = rules_decide((rules_op)op, (task_state)state,
								 (component_type)type, flags);
					checked++;
					if (d.error != ERR_NONE || d.effect != EFFECT_SET_STATE)
						continue;
					sim_change change =
						sim_change_of((task_state)state, d.next);
					bool resume = op == OP_RESUME;
					ck_assert_int_eq(change == SIM_CHANGE_START, resume);
					if (op == OP_STOP)
						ck_assert_int_eq(change, state == TASK_RUNNING
										 ? SIM_CHANGE_FREEZE
										 : SIM_CHANGE_NONE);
					if (op == OP_MIGRATE)
						ck_assert_int_eq(change, state == TASK_RUNNING
										 ? SIM_CHANGE_KEEP
										 : SIM_CHANGE_NONE);
					if (change != SIM_CHANGE_START)
						continue;
					started++;
					double progress = d.restart_progress ? 0 : 0.7;
					int64_t checkpoint = d.needs_checkpoint ? P : C;
					sim_motion m = sim_motion_start(&s, T0, true, progress,
									true, checkpoint);
					ck_assert_int_eq(m.since_ms, T0);
					ck_assert(m.progress ==
						  (flags.restart && type == COMPONENT_FULL_TRANS
							   ? 0
							   : 0.7));
					ck_assert_int_eq(
						m.position_ms,
						(flags.pull_back && type == COMPONENT_INCR_TRANS
							 ? P
							 : C) *
							1000);
				}
	ck_assert_int_eq(checked, OP__COUNT * TASK__COUNT * COMPONENT__COUNT * 4);
	/* resume from STOPPED and ABNORMAL: no flags (3 types), restart (full),
	 * pull back (incr) */
	ck_assert_int_eq(started, 2 * 5);
}
END_TEST

START_TEST(start_without_progress_or_checkpoint)
{
	sim_settings s = defaults();
	sim_motion m = sim_motion_start(&s, T0, false, 0, false, 0);
	ck_assert(m.progress == 0);
	ck_assert_int_eq(m.position_ms, T0 - s.incr_lag_ms); /* the live edge */
	m = sim_motion_start(&s, T0, true, 1.5, false, 0);
	ck_assert(m.progress == 1); /* clamped */
}
END_TEST

/* ---- Full-Import progress ---------------------------------------------- */

typedef struct {
	double base;	  /* progress at the base */
	int64_t after_ms; /* t - since */
	double progress;  /* expected */
} full_case;

START_TEST(full_progress_table)
{
	static const full_case cases[] = {
		{0, 0, 0},	  /* a frozen clock: nothing moves */
		{0, 300000, 0.5}, /* half the duration */
		{0, 599999, 599999.0 / 600000.0},
		{0, 600000, 1},		    /* exactly the duration */
		{0, 600001, 1},		    /* 1 ms more */
		{0, 4503599627370496LL, 1}, /* 2^52 ms: no overflow */
		{0.3, 0, 0.3},
		{0.3, 60000, 0.4},
		{0.3, 420000, 1}, /* ceil(0.7 * 600000) */
		{1, 0, 1},
		{0, -5000, 0}, /* the clock set back before the base: the base */
	};
	sim_settings s = defaults();
	for (size_t i = 0; i < COUNT(cases); i++) {
		sim_motion m = {.since_ms = T0, .progress = cases[i].base};
		sim_view v =
			sim_view_at(&s, COMPONENT_FULL_TRANS, ID_FULL, &m, T0 + cases[i].after_ms);
		ck_assert_msg(fabs(v.progress - cases[i].progress) < 1e-12,
			      "case %zu: progress %.15f, expected %.15f", i, v.progress,
			      cases[i].progress);
	}
}
END_TEST

START_TEST(full_finishes_at_exactly_its_duration)
{
	sim_settings s = defaults();
	sim_motion m = {.since_ms = T0, .progress = 0};
	sim_transition next = sim_next_transition(&s, COMPONENT_FULL_TRANS, ID_FULL, &m);
	ck_assert_int_eq(next.event, SIM_EVENT_FINISH);
	ck_assert_int_eq(next.at_ms, T0 + 600000);
	m.progress = 0.3;
	next = sim_next_transition(&s, COMPONENT_FULL_TRANS, ID_FULL, &m);
	ck_assert_int_eq(next.at_ms, T0 + 420000);
	m.progress = 0.42; /* (1 - 0.42) * 600000 is 348000.00000000006 in doubles */
	next = sim_next_transition(&s, COMPONENT_FULL_TRANS, ID_FULL, &m);
	ck_assert_int_eq(next.at_ms, T0 + 348000);
	ck_assert(sim_view_at(&s, COMPONENT_FULL_TRANS, ID_FULL, &m, T0 + 347999).progress < 1);
	ck_assert(sim_view_at(&s, COMPONENT_FULL_TRANS, ID_FULL, &m, T0 + 348000).progress == 1);
	m.progress = 1;
	next = sim_next_transition(&s, COMPONENT_FULL_TRANS, ID_FULL, &m);
	ck_assert_int_eq(next.event, SIM_EVENT_FINISH);
	ck_assert_int_eq(next.at_ms, T0); /* due at once */
	/* an Incr-Sync never finishes, nor does another type */
	ck_assert_int_eq(sim_next_transition(&s, COMPONENT_INCR_TRANS, ID_INCR, &m).event,
			 SIM_EVENT_NONE);
	ck_assert_int_eq(sim_next_transition(&s, COMPONENT_OTHER, "p-x-1-0", &m).event,
			 SIM_EVENT_NONE);
}
END_TEST

START_TEST(jitter_is_seeded_and_bounded)
{
	sim_settings s = defaults();
	ck_assert_int_eq(sim_full_duration_ms(&s, ID_FULL), 600000);
	s.full_jitter = 0.5;
	int differ = 0;
	for (int i = 0; i < 200; i++) {
		char identity[64];
		snprintf(identity, sizeof identity, "np_%d-full_trans-1-0", i);
		int64_t d = sim_full_duration_ms(&s, identity);
		ck_assert_int_ge(d, 300000);
		ck_assert_int_le(d, 900000);
		ck_assert_int_eq(d, sim_full_duration_ms(&s, identity)); /* the same every time */
		differ += d != 600000;
	}
	ck_assert_int_gt(differ, 190);
	s.full_duration_ms = 1;
	s.full_jitter = 1;
	ck_assert_int_ge(sim_full_duration_ms(&s, ID_FULL), 1); /* never 0 */
}
END_TEST

/* ---- Incr-Sync position ------------------------------------------------- */

typedef struct {
	int64_t base_behind_ms; /* the base position: since - lag - this */
	double factor;
	int64_t after_ms;
	int64_t expected_behind_ms; /* expected position: t - lag - this */
} incr_case;

START_TEST(incr_position_table)
{
	static const incr_case cases[] = {
		{0, 10, 0, 0},		       /* caught up, frozen clock */
		{0, 10, 3600000, 0},	       /* caught up stays at the live edge */
		{3600000, 10, 0, 3600000},     /* pulled back 1 h: at T */
		{3600000, 10, 60000, 3060000}, /* T + 600 s, and the edge moved 60 s */
		/* catch-up crosses the edge at 3,600,000 / 9 = 400,000 ms */
		{3600000, 10, 399999, 9},
		{3600000, 10, 400000, 0},
		{3600000, 10, 400001, 0},
		{3600000, 1, 86400000, 3600000},	/* factor 1: never catches up */
		{3600000, 1000, 4503599627370496LL, 0}, /* huge advance, huge factor */
		{-5000, 10, 0, -5000},			/* ahead of the edge: held... */
		{-5000, 10, 5000, 0},			/* ...until the edge reaches it */
		{-5000, 10, 9000, 0},
		{3600000, 10, -1000, 3600000}, /* clock set back: the base */
	};
	sim_settings s = defaults();
	for (size_t i = 0; i < COUNT(cases); i++) {
		s.catch_up_factor = cases[i].factor;
		sim_motion m = {.since_ms = T0,
				.position_ms = T0 - s.incr_lag_ms - cases[i].base_behind_ms};
		int64_t t = T0 + cases[i].after_ms;
		sim_view v = sim_view_at(&s, COMPONENT_INCR_TRANS, ID_INCR, &m, t);
		int64_t shown_t = t < T0 ? T0 : t;
		ck_assert_msg(v.position_ms ==
				      shown_t - s.incr_lag_ms - cases[i].expected_behind_ms,
			      "case %zu: position %lld, expected %lld", i, (long long)v.position_ms,
			      (long long)(shown_t - s.incr_lag_ms - cases[i].expected_behind_ms));
		double lag = (double)(shown_t - v.position_ms) / 1000.0;
		ck_assert(fabs(v.lag_seconds - (lag > 0 ? lag : 0)) < 1e-9);
	}
}
END_TEST

START_TEST(incr_pull_back_one_hour)
{
	/* the scenario: T = 1 h ago, catchUpFactor 10, 60 s later: T + 600 s */
	sim_settings s = defaults();
	int64_t T = T0 / 1000 - 3600;
	sim_motion m = sim_motion_start(&s, T0, false, 0, true, T);
	sim_view v = sim_view_at(&s, COMPONENT_INCR_TRANS, ID_INCR, &m, T0 + 60000);
	ck_assert_int_eq(v.position_ms, (T + 600) * 1000);
	ck_assert(fabs(v.lag_seconds - (3660 - 600)) < 1e-9);
}
END_TEST

/* ---- failures ----------------------------------------------------------- */

START_TEST(no_failures_without_a_rate)
{
	sim_settings s = defaults();
	sim_motion m = {.since_ms = T0, .position_ms = T0};
	for (int type = 0; type < COMPONENT__COUNT; type++)
		if (type != COMPONENT_FULL_TRANS)
			ck_assert_int_eq(
				sim_next_transition(&s, (component_type)type, ID_INCR, &m).event,
				SIM_EVENT_NONE);
}
END_TEST

START_TEST(failures_are_seeded)
{
	sim_settings s = defaults();
	s.failures_per_hour = 2;
	double total = 0;
	enum { N = 4000 };
	for (int i = 0; i < N; i++) {
		char identity[64];
		snprintf(identity, sizeof identity, "np_%d-incr_trans-1-0", i);
		sim_motion m = {.since_ms = T0 + i, .position_ms = T0};
		sim_transition a = sim_next_transition(&s, COMPONENT_INCR_TRANS, identity, &m);
		sim_transition b = sim_next_transition(&s, COMPONENT_INCR_TRANS, identity, &m);
		ck_assert_int_eq(a.event, SIM_EVENT_FAIL);
		ck_assert_int_eq(a.at_ms, b.at_ms); /* deterministic */
		ck_assert_int_eq(a.failure, b.failure);
		ck_assert_int_lt(a.failure, s.failure_count);
		ck_assert_int_gt(a.at_ms, m.since_ms);
		total += (double)(a.at_ms - m.since_ms);
	}
	/* the mean delay of a rate of 2 per hour: 30 minutes (within 5%) */
	double mean = total / N;
	ck_assert_msg(fabs(mean - 1800000) < 90000, "mean delay %.0f ms", mean);
	/* another seed, other times */
	sim_motion m = {.since_ms = T0, .position_ms = T0};
	int64_t first = sim_next_transition(&s, COMPONENT_INCR_TRANS, ID_INCR, &m).at_ms;
	s.seed = 2;
	ck_assert_int_ne(sim_next_transition(&s, COMPONENT_INCR_TRANS, ID_INCR, &m).at_ms, first);
}
END_TEST

START_TEST(failure_before_finish_wins)
{
	sim_settings s = defaults();
	s.failures_per_hour = 3600; /* mean 1 s: sooner than 10 minutes */
	sim_motion m = {.since_ms = T0};
	sim_transition next = sim_next_transition(&s, COMPONENT_FULL_TRANS, ID_FULL, &m);
	ck_assert_int_eq(next.event, SIM_EVENT_FAIL);
	ck_assert_int_lt(next.at_ms, T0 + 600000);
	s.failures_per_hour = 0.000001; /* mean 114 years: the finish comes first */
	next = sim_next_transition(&s, COMPONENT_FULL_TRANS, ID_FULL, &m);
	ck_assert_int_eq(next.event, SIM_EVENT_FINISH);
	char text[SIM_LAST_ERROR_MAX + 1];
	sim_last_error(&s, 0, text, sizeof text);
	ck_assert_str_eq(text, "SOURCE_CONNECTION_LOST: source connection lost: Communications "
			       "link failure, the last packet successfully received from the "
			       "server was 30012 milliseconds ago");
}
END_TEST

/* ---- the settings' parser ----------------------------------------------- */

typedef struct {
	const char *body;
	bool accepted;
} settings_case;

START_TEST(settings_table)
{
	static const settings_case cases[] = {
		{"{}", true},
		{"{\"enabled\":true,\"seed\":42}", true},
		{"{\"enabled\":1}", false},
		{"{\"seed\":-1}", false},
		{"{\"seed\":9007199254740991}", true},
		{"{\"seed\":9007199254740992}", false},
		{"{\"seed\":1.5}", false},
		{"{\"fullDurationMs\":0}", false},
		{"{\"fullDurationMs\":1}", true},
		{"{\"fullDurationMs\":31622400000}", true},
		{"{\"fullDurationMs\":31622400001}", false},
		{"{\"fullJitter\":1}", true},
		{"{\"fullJitter\":1.01}", false},
		{"{\"fullJitter\":-0.1}", false},
		{"{\"incrLagMs\":0}", true},
		{"{\"incrLagMs\":-1}", false},
		{"{\"catchUpFactor\":1}", true},
		{"{\"catchUpFactor\":0.99}", false},
		{"{\"catchUpFactor\":1000}", true},
		{"{\"catchUpFactor\":1000.5}", false},
		{"{\"failuresPerHour\":3600}", true},
		{"{\"failuresPerHour\":3601}", false},
		{"{\"failuresPerHour\":\"1\"}", false},
		{"{\"failures\":[]}", false},
		{"{\"failures\":[{\"errCode\":\"X\",\"message\":\"y\"}]}", true},
		{"{\"failures\":[{\"errCode\":\"\",\"message\":\"y\"}]}", false},
		{"{\"failures\":[{\"errCode\":\"X\",\"message\":\"y\",\"z\":1}]}", false},
		{"{\"failures\":[{\"errCode\":\"X\"}]}", false},
		{"{\"failures\":{}}", false},
		{"{\"unknown\":1}", false},
		{"{\"seed\":1,\"seed\":2}", false},
		{"[]", false},
	};
	for (size_t i = 0; i < COUNT(cases); i++) {
		sim_settings s, before;
		sim_settings_default(&s);
		before = s;
		cJSON *body = cJSON_Parse(cases[i].body);
		char why[256] = "";
		int rc = sim_settings_apply_json(&s, body, why, sizeof why);
		cJSON_Delete(body);
		ck_assert_msg((rc == 0) == cases[i].accepted, "case %zu (%s): rc %d, %s", i,
			      cases[i].body, rc, why);
		if (!cases[i].accepted) {
			ck_assert_msg(memcmp(&s, &before, sizeof s) == 0, "case %zu changed", i);
			ck_assert(why[0] != '\0');
		}
	}
}
END_TEST

START_TEST(settings_limits_of_the_failure_list)
{
	char body[8192] = "{\"failures\":[";
	for (int i = 0; i < SIM_FAILURES_MAX + 1; i++)
		snprintf(body + strlen(body), sizeof body - strlen(body),
			 "%s{\"errCode\":\"E%d\",\"message\":\"m\"}", i ? "," : "", i);
	strcat(body, "]}");
	sim_settings s;
	sim_settings_default(&s);
	char why[256];
	cJSON *json = cJSON_Parse(body);
	ck_assert_int_eq(sim_settings_apply_json(&s, json, why, sizeof why), -1); /* 17 */
	cJSON_DeleteItemFromArray(cJSON_GetObjectItem(json, "failures"), 0);
	ck_assert_int_eq(sim_settings_apply_json(&s, json, why, sizeof why), 0); /* 16 */
	ck_assert_int_eq(s.failure_count, SIM_FAILURES_MAX);
	cJSON_Delete(json);
	char code[SIM_ERR_CODE_MAX + 2];
	memset(code, 'E', sizeof code - 1);
	code[sizeof code - 1] = '\0';
	snprintf(body, sizeof body, "{\"failures\":[{\"errCode\":\"%s\",\"message\":\"m\"}]}",
		 code);
	json = cJSON_Parse(body);
	ck_assert_int_eq(sim_settings_apply_json(&s, json, why, sizeof why), -1); /* 65 bytes */
	cJSON_Delete(json);
}
END_TEST

START_TEST(settings_round_trip)
{
	sim_settings s;
	sim_settings_default(&s);
	cJSON *body = cJSON_Parse("{\"enabled\":true,\"seed\":7,\"fullDurationMs\":1000,"
				  "\"fullJitter\":0.25,\"incrLagMs\":0,\"catchUpFactor\":2.5,"
				  "\"failuresPerHour\":0.5,\"failures\":[{\"errCode\":\"A\","
				  "\"message\":\"b\"}]}");
	char why[256];
	ck_assert_int_eq(sim_settings_apply_json(&s, body, why, sizeof why), 0);
	cJSON *shown = sim_settings_to_json(&s);
	ck_assert(cJSON_Compare(shown, body, 1));
	sim_settings again;
	sim_settings_default(&again);
	ck_assert_int_eq(sim_settings_apply_json(&again, shown, why, sizeof why), 0);
	ck_assert(memcmp(&again, &s, sizeof s) == 0 ||
		  (again.seed == s.seed && again.failure_count == s.failure_count));
	cJSON_Delete(shown);
	cJSON_Delete(body);
}
END_TEST

static Suite *simulation_suite(void)
{
	const test_entry tests[] = {
		{"changes", change_of_every_state_pair},
		{"changes", every_operation_state_type_and_flag},
		{"changes", start_without_progress_or_checkpoint},
		{"full", full_progress_table},
		{"full", full_finishes_at_exactly_its_duration},
		{"full", jitter_is_seeded_and_bounded},
		{"incr", incr_position_table},
		{"incr", incr_pull_back_one_hour},
		{"failures", no_failures_without_a_rate},
		{"failures", failures_are_seeded},
		{"failures", failure_before_finish_wins},
		{"settings", settings_table},
		{"settings", settings_limits_of_the_failure_list},
		{"settings", settings_round_trip},
	};
	Suite *suite = suite_create("simulation");
	test_add_grouped(suite, tests, COUNT(tests), 30);
	return suite;
}

int main(void) { return test_run_suite(simulation_suite()); }
