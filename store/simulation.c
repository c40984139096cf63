/*
 * simulation.c — the pure half of the simulation (see simulation.h).
 *
 * Times are integers (unix ms) wherever a test compares them exactly: a
 * finish time is the base time plus a whole number of milliseconds, and a
 * progress of exactly half the duration reads 0.5. Doubles appear only in
 * rates, and are compared with the live edge before they become integers,
 * so a huge advance cannot overflow.
 */
#include "simulation.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "text.h"

/* What a transition further away than this is: none (about 100 years). */
#define SIM_HORIZON_MS (100LL * 366 * 86400000)

static const sim_failure default_failures[] = {
	{"SOURCE_CONNECTION_LOST",
	 "source connection lost: Communications link failure, the last packet successfully "
	 "received from the server was 30012 milliseconds ago"},
	{"SINK_WRITE_TIMEOUT",
	 "sink write timeout: a batch of 200 records was not acknowledged by the sink within "
	 "60000 ms"},
	{"CHECKPOINT_EXPIRED",
	 "checkpoint expired in the store: the requested position is older than the store's "
	 "retention"},
};

void sim_settings_default(sim_settings *out)
{
	memset(out, 0, sizeof *out);
	out->enabled = false;
	out->seed = 1;
	out->full_duration_ms = 600000;
	out->full_jitter = 0;
	out->incr_lag_ms = 2000;
	out->catch_up_factor = 10;
	out->failures_per_hour = 0;
	out->failure_count = sizeof default_failures / sizeof *default_failures;
	memcpy(out->failures, default_failures, sizeof default_failures);
}

/* An integral number in [min, max] (exact in a double). */
static bool read_integer(const cJSON *item, int64_t min, int64_t max, int64_t *out)
{
	if (!cJSON_IsNumber(item))
		return false;
	double d = item->valuedouble;
	if (d != floor(d) || d < (double)min || d > (double)max)
		return false;
	*out = (int64_t)d;
	return true;
}

static bool read_number(const cJSON *item, double min, double max, double *out)
{
	if (!cJSON_IsNumber(item) || !(item->valuedouble >= min && item->valuedouble <= max))
		return false;
	*out = item->valuedouble;
	return true;
}

static bool read_text(const cJSON *item, size_t max, char *out)
{
	if (!cJSON_IsString(item))
		return false;
	size_t len = strlen(item->valuestring);
	if (len == 0 || len > max || !text_utf8_valid(item->valuestring, len))
		return false;
	memcpy(out, item->valuestring, len + 1);
	return true;
}

static int read_failures(const cJSON *list, sim_settings *out, char *why, size_t why_cap)
{
	int count = cJSON_IsArray(list) ? cJSON_GetArraySize(list) : -1;
	if (count < 1 || count > SIM_FAILURES_MAX)
		return text_fail(why, why_cap,
				 "failures must be a list of 1 to %d {\"errCode\",\"message\"}",
				 SIM_FAILURES_MAX);
	size_t index = 0;
	const cJSON *item;
	cJSON_ArrayForEach(item, list)
	{
		sim_failure *f = &out->failures[index];
		bool ok = cJSON_IsObject(item) && cJSON_GetArraySize(item) == 2 &&
			  read_text(cJSON_GetObjectItemCaseSensitive(item, "errCode"),
				    SIM_ERR_CODE_MAX, f->err_code) &&
			  read_text(cJSON_GetObjectItemCaseSensitive(item, "message"),
				    SIM_MESSAGE_MAX, f->message);
		if (!ok)
			return text_fail(why, why_cap,
					 "failures[%zu] must be {\"errCode\": 1 to %d bytes, "
					 "\"message\": 1 to %d bytes}",
					 index, SIM_ERR_CODE_MAX, SIM_MESSAGE_MAX);
		index++;
	}
	out->failure_count = index;
	return 0;
}

/* Applies one field onto `s`; 0, or -1 with `why`. */
static int apply_field(sim_settings *s, const cJSON *field, char *why, size_t why_cap)
{
	const char *name = field->string;
	if (strcmp(name, "enabled") == 0) {
		if (!cJSON_IsBool(field))
			return text_fail(why, why_cap, "enabled must be true or false");
		s->enabled = cJSON_IsTrue(field);
	} else if (strcmp(name, "seed") == 0) {
		if (!read_integer(field, 0, SIM_SEED_MAX, &s->seed))
			return text_fail(why, why_cap,
					 "seed must be a whole number from 0 to 2^53-1");
	} else if (strcmp(name, "fullDurationMs") == 0) {
		if (!read_integer(field, SIM_DURATION_MIN_MS, SIM_DURATION_MAX_MS,
				  &s->full_duration_ms))
			return text_fail(why, why_cap,
					 "fullDurationMs must be whole milliseconds from 1 to %lld",
					 SIM_DURATION_MAX_MS);
	} else if (strcmp(name, "fullJitter") == 0) {
		if (!read_number(field, 0, 1, &s->full_jitter))
			return text_fail(why, why_cap, "fullJitter must be a number from 0 to 1");
	} else if (strcmp(name, "incrLagMs") == 0) {
		if (!read_integer(field, 0, SIM_LAG_MAX_MS, &s->incr_lag_ms))
			return text_fail(why, why_cap,
					 "incrLagMs must be whole milliseconds from 0 to %lld",
					 SIM_LAG_MAX_MS);
	} else if (strcmp(name, "catchUpFactor") == 0) {
		if (!read_number(field, SIM_CATCH_UP_MIN, SIM_CATCH_UP_MAX, &s->catch_up_factor))
			return text_fail(why, why_cap,
					 "catchUpFactor must be a number from 1 to 1000");
	} else if (strcmp(name, "failuresPerHour") == 0) {
		if (!read_number(field, 0, SIM_FAILURES_PER_HOUR_MAX, &s->failures_per_hour))
			return text_fail(why, why_cap,
					 "failuresPerHour must be a number from 0 to 3600");
	} else if (strcmp(name, "failures") == 0) {
		return read_failures(field, s, why, why_cap);
	} else {
		return text_fail(why, why_cap,
				 "unknown field \"%.64s\" (enabled, seed, fullDurationMs, "
				 "fullJitter, incrLagMs, catchUpFactor, failuresPerHour, failures)",
				 name);
	}
	return 0;
}

int sim_settings_apply_json(sim_settings *settings, const cJSON *body, char *why, size_t why_cap)
{
	if (!cJSON_IsObject(body))
		return text_fail(why, why_cap, "the simulation settings must be a JSON object");
	/* on a copy (9 KiB of stack): a refused field leaves the settings as they were */
	sim_settings next = *settings;
	for (const cJSON *field = body->child; field; field = field->next) {
		for (const cJSON *before = body->child; before != field; before = before->next)
			if (strcmp(before->string, field->string) == 0)
				return text_fail(why, why_cap, "\"%.64s\" is given twice",
						 field->string);
		if (apply_field(&next, field, why, why_cap) < 0)
			return -1;
	}
	*settings = next;
	return 0;
}

cJSON *sim_settings_to_json(const sim_settings *s)
{
	cJSON *root = cJSON_CreateObject();
	cJSON *list = cJSON_CreateArray();
	if (!root || !list) {
		cJSON_Delete(root);
		cJSON_Delete(list);
		return NULL;
	}
	cJSON_AddBoolToObject(root, "enabled", s->enabled);
	cJSON_AddNumberToObject(root, "seed", (double)s->seed);
	cJSON_AddNumberToObject(root, "fullDurationMs", (double)s->full_duration_ms);
	cJSON_AddNumberToObject(root, "fullJitter", s->full_jitter);
	cJSON_AddNumberToObject(root, "incrLagMs", (double)s->incr_lag_ms);
	cJSON_AddNumberToObject(root, "catchUpFactor", s->catch_up_factor);
	cJSON_AddNumberToObject(root, "failuresPerHour", s->failures_per_hour);
	for (size_t i = 0; i < s->failure_count; i++) {
		cJSON *item = cJSON_CreateObject();
		cJSON_AddStringToObject(item, "errCode", s->failures[i].err_code);
		cJSON_AddStringToObject(item, "message", s->failures[i].message);
		cJSON_AddItemToArray(list, item);
	}
	cJSON_AddItemToObject(root, "failures", list);
	return root;
}

sim_change sim_change_of(task_state from, task_state to)
{
	bool before = from == TASK_RUNNING, after = to == TASK_RUNNING;
	if (before && after)
		return SIM_CHANGE_KEEP;
	if (after)
		return SIM_CHANGE_START;
	return before ? SIM_CHANGE_FREEZE : SIM_CHANGE_NONE;
}

sim_motion sim_motion_start(const sim_settings *settings, int64_t now_ms, bool has_progress,
			    double progress, bool has_checkpoint, int64_t checkpoint_s)
{
	sim_motion motion = {.since_ms = now_ms};
	motion.progress = has_progress ? fmin(fmax(progress, 0), 1) : 0;
	motion.position_ms = has_checkpoint ? checkpoint_s * 1000 : now_ms - settings->incr_lag_ms;
	return motion;
}

uint64_t sim_mix(uint64_t x)
{
	x += 0x9E3779B97F4A7C15ULL;
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
	x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
	return x ^ (x >> 31);
}

/* FNV-1a of the identity: the task's part of every draw. */
static uint64_t identity_hash(const char *identity)
{
	uint64_t h = 0xCBF29CE484222325ULL;
	for (const unsigned char *p = (const unsigned char *)identity; *p; p++)
		h = (h ^ *p) * 0x100000001B3ULL;
	return h;
}

/* Draw `stream` of (seed, identity, counter): a uniform number in [0, 1). */
static double uniform(const sim_settings *s, const char *identity, uint64_t stream,
		      uint64_t counter)
{
	uint64_t x = sim_mix((uint64_t)s->seed ^ sim_mix(identity_hash(identity)));
	x = sim_mix(x ^ sim_mix(stream ^ sim_mix(counter)));
	return (double)(x >> 11) * (1.0 / 9007199254740992.0);
}

enum { STREAM_DURATION = 1, STREAM_FAILURE_TIME = 2, STREAM_FAILURE_KIND = 3 };

int64_t sim_full_duration_ms(const sim_settings *s, const char *identity)
{
	double duration = (double)s->full_duration_ms;
	if (s->full_jitter > 0) {
		double u = uniform(s, identity, STREAM_DURATION, 0);
		duration *= 1 + s->full_jitter * (2 * u - 1);
	}
	int64_t ms = (int64_t)llround(duration);
	return ms < 1 ? 1 : ms;
}

/* Milliseconds from the base until progress reaches 1. */
static int64_t full_remaining_ms(const sim_settings *s, const char *identity,
				 const sim_motion *motion)
{
	if (motion->progress >= 1)
		return 0;
	/* less a microsecond: (1 - 0.42) * 600000 is 348000.00000000006 in doubles, and
	 * the finish is due at 348000 ms, not one later */
	double remaining = (1 - motion->progress) * (double)sim_full_duration_ms(s, identity);
	return (int64_t)ceil(remaining - 1e-3);
}

/* The position at `t`: the live edge t - lag, or on the way to it. */
static int64_t incr_position(const sim_settings *s, const sim_motion *motion, int64_t t)
{
	int64_t live = t - s->incr_lag_ms;
	int64_t base = motion->position_ms;
	if (base >= motion->since_ms - s->incr_lag_ms) /* not behind: held until the edge passes */
		return base > live ? base : live;
	double caught = (double)base + s->catch_up_factor * (double)(t - motion->since_ms);
	return caught >= (double)live ? live : (int64_t)floor(caught);
}

sim_view sim_view_at(const sim_settings *s, component_type type, const char *identity,
		     const sim_motion *motion, int64_t t_ms)
{
	if (t_ms < motion->since_ms)
		t_ms = motion->since_ms;
	sim_view view = {.progress = motion->progress, .position_ms = motion->position_ms};
	int64_t elapsed = t_ms - motion->since_ms;
	if (type == COMPONENT_FULL_TRANS) {
		if (elapsed >= full_remaining_ms(s, identity, motion))
			view.progress = 1;
		else
			view.progress =
				fmin(1, motion->progress +
						(double)elapsed /
							(double)sim_full_duration_ms(s, identity));
	} else if (type == COMPONENT_INCR_TRANS) {
		view.position_ms = incr_position(s, motion, t_ms);
	}
	int64_t lag = t_ms - view.position_ms;
	view.lag_seconds = lag > 0 ? (double)lag / 1000.0 : 0;
	return view;
}

sim_transition sim_next_transition(const sim_settings *s, component_type type, const char *identity,
				   const sim_motion *motion)
{
	sim_transition next = {.event = SIM_EVENT_NONE};
	int64_t best = SIM_HORIZON_MS;
	if (type == COMPONENT_FULL_TRANS) {
		int64_t remaining = full_remaining_ms(s, identity, motion);
		if (remaining <= best) {
			best = remaining;
			next.event = SIM_EVENT_FINISH;
		}
	}
	if (s->failures_per_hour > 0) {
		/* an exponential delay of mean 3,600,000 / rate ms, at least 1 ms */
		double u = uniform(s, identity, STREAM_FAILURE_TIME, (uint64_t)motion->since_ms);
		double delay = ceil(-log1p(-u) * 3600000.0 / s->failures_per_hour);
		if (delay < 1)
			delay = 1;
		if (delay < (double)best) {
			best = (int64_t)delay;
			next.event = SIM_EVENT_FAIL;
			double pick = uniform(s, identity, STREAM_FAILURE_KIND,
					      (uint64_t)motion->since_ms);
			next.failure = (size_t)(pick * (double)s->failure_count);
			if (next.failure >= s->failure_count)
				next.failure = s->failure_count - 1;
		}
	}
	if (next.event != SIM_EVENT_NONE)
		next.at_ms = motion->since_ms + best;
	return next;
}

void sim_last_error(const sim_settings *s, size_t index, char *out, size_t cap)
{
	if (index >= s->failure_count) {
		snprintf(out, cap, "%s", "");
		return;
	}
	snprintf(out, cap, "%s: %s", s->failures[index].err_code, s->failures[index].message);
}
