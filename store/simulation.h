/*
 * simulation.h — living connectors: progress, positions and failures as
 * pure functions of a namespace's virtual clock.
 *
 * A RUNNING task moves from its *motion base*: the virtual time of its last
 * change (`since_ms`) and what it had reached then (a Full-Import's
 * progress, an Incr-Sync's position). Everything it shows at a later time t
 * (progress, position, lag) and the time of its next transition (FINISHED
 * at progress 1, or a seeded failure to ABNORMAL) is computed from the base
 * and the namespace's settings alone, so advancing a frozen clock by any
 * amount gives what living through it would have given, and the same seed
 * and clock moves give the same outcomes. Nothing here touches a database,
 * a clock or a global; the store (simulation_store.c) keeps the bases and
 * applies the transitions.
 *
 * - full_trans: progress rises linearly from the base's, at 1 per
 *   `fullDurationMs` (varied per task by `fullJitter`), and the task
 *   finishes when it reaches 1.
 * - incr_trans: the position (unix ms) follows `t - incrLagMs`. A position
 *   behind that (after a pull back, or a resume after a stop) advances at
 *   `catchUpFactor` times the clock's rate until it has caught up.
 * - failures: a RUNNING task fails after an exponentially distributed delay
 *   of mean 1/`failuresPerHour` hours, drawn from (seed, identity, base
 *   time) by a counter-based hash (splitmix64), so no state is kept between
 *   draws; a new base draws anew (the exponential is memoryless, so this is
 *   the same process as one draw per task).
 */
#ifndef CONNECTOR_MOCK_SIMULATION_H
#define CONNECTOR_MOCK_SIMULATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "rules.h"
#include "taskname.h"

enum {
	SIM_FAILURES_MAX = 16, /* entries of the failure list */
	SIM_ERR_CODE_MAX = 64, /* bytes of a failure's errCode */
	SIM_MESSAGE_MAX = 512, /* bytes of a failure's message */
	SIM_LAST_ERROR_MAX = SIM_ERR_CODE_MAX + 2 + SIM_MESSAGE_MAX,
};

/* The bounds of each setting (inclusive). */
#define SIM_DURATION_MIN_MS 1LL
#define SIM_DURATION_MAX_MS (366LL * 86400000)
#define SIM_LAG_MAX_MS (366LL * 86400000)
#define SIM_CATCH_UP_MIN 1.0
#define SIM_CATCH_UP_MAX 1000.0
#define SIM_FAILURES_PER_HOUR_MAX 3600.0
#define SIM_SEED_MAX 9007199254740991LL /* 2^53 - 1: exact in JSON */

typedef struct {
	char err_code[SIM_ERR_CODE_MAX + 1];
	char message[SIM_MESSAGE_MAX + 1];
} sim_failure;

typedef struct {
	bool enabled;
	int64_t seed;		  /* 0 .. SIM_SEED_MAX */
	int64_t full_duration_ms; /* progress 0 to 1 */
	double full_jitter;	  /* 0..1: each task's duration is within ±jitter of it */
	int64_t incr_lag_ms;	  /* how far behind the clock a caught-up position stays */
	double catch_up_factor;	  /* seconds replayed per second while behind */
	double failures_per_hour; /* per RUNNING task; 0: none */
	size_t failure_count;	  /* 1 .. SIM_FAILURES_MAX */
	sim_failure failures[SIM_FAILURES_MAX];
} sim_settings;

/* Off; seed 1, 10 minutes per Full-Import, no jitter, a lag of 2 s, a
 * catch-up of 10x, no failures, and the default failure list (a lost
 * source connection, a sink write timeout, an expired checkpoint). */
void sim_settings_default(sim_settings *out);

/*
 * Applies a JSON object of settings onto `settings`: any of "enabled",
 * "seed", "fullDurationMs", "fullJitter", "incrLagMs", "catchUpFactor",
 * "failuresPerHour", "failures" ([{"errCode","message"}], replacing the
 * list). A field absent keeps its value. An unknown field, a wrong type, a
 * value out of its bounds or a field given twice is refused: returns -1
 * with a sentence in `why`, and `settings` is unchanged. 0 on success.
 */
int sim_settings_apply_json(sim_settings *settings, const cJSON *body, char *why, size_t why_cap);

/* The settings as the JSON object the control API shows (every field).
 * NULL when out of memory. */
cJSON *sim_settings_to_json(const sim_settings *settings);

/* What a RUNNING task had reached at its last change. */
typedef struct {
	int64_t since_ms;    /* virtual time of the change */
	double progress;     /* full_trans: 0..1 */
	int64_t position_ms; /* incr_trans: unix ms */
} sim_motion;

/* What a task shows at a time: progress (full_trans), position and lag
 * (incr_trans). A time before `since_ms` shows the base. */
typedef struct {
	double progress;
	int64_t position_ms;
	double lag_seconds; /* (t - position) / 1000, never negative */
} sim_view;

/* The next transition of a RUNNING task. */
typedef enum { SIM_EVENT_NONE, SIM_EVENT_FINISH, SIM_EVENT_FAIL } sim_event;

typedef struct {
	sim_event event;
	int64_t at_ms;	/* when; meaningless with SIM_EVENT_NONE */
	size_t failure; /* SIM_EVENT_FAIL: the index in settings->failures */
} sim_transition;

/* What a change of state does to a task's motion. */
typedef enum {
	SIM_CHANGE_NONE,   /* not RUNNING before or after: nothing moves */
	SIM_CHANGE_START,  /* becomes RUNNING: a new base at the change */
	SIM_CHANGE_FREEZE, /* leaves RUNNING: what it reached is kept, it stops moving */
	SIM_CHANGE_KEEP,   /* RUNNING before and after (a migrate): the base carries over */
} sim_change;

sim_change sim_change_of(task_state from, task_state to);

/*
 * The base of a task that becomes RUNNING at `now_ms`, from what its row
 * holds after the operation (a restart has set progress to 0, a pull back
 * the checkpoint): a Full-Import starts from its progress (none: 0), an
 * Incr-Sync from its checkpoint (unix seconds; none: the live edge,
 * now - incrLagMs).
 */
sim_motion sim_motion_start(const sim_settings *settings, int64_t now_ms, bool has_progress,
			    double progress, bool has_checkpoint, int64_t checkpoint_s);

/* The task's duration from progress 0 to 1: fullDurationMs varied by the
 * seeded jitter of its identity; at least 1 ms. */
int64_t sim_full_duration_ms(const sim_settings *settings, const char *identity);

/* What a RUNNING task of `type` shows at `t_ms`. */
sim_view sim_view_at(const sim_settings *settings, component_type type, const char *identity,
		     const sim_motion *motion, int64_t t_ms);

/* The first transition of a RUNNING task after its base: the earlier of
 * finishing (full_trans only) and failing (when failuresPerHour > 0). A
 * transition further than ~100 years away is none. */
sim_transition sim_next_transition(const sim_settings *settings, component_type type,
				   const char *identity, const sim_motion *motion);

/* The task's lastError after failure `index`: "ERRCODE: message". */
void sim_last_error(const sim_settings *settings, size_t index, char *out, size_t cap);

/* splitmix64's output function of `x` (a counter-based generator). */
uint64_t sim_mix(uint64_t x);

#endif
