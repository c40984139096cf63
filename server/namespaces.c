/*
 * namespaces.c — per-namespace clocks and fault lists, in memory.
 */
#define _POSIX_C_SOURCE 200809L
#include "namespaces.h"

#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../store/json.h"
#include "../store/store.h"
#include "clock.h"

typedef struct {
	char name[STORE_NAMESPACE_MAX + 1];
	int64_t offset_ms; /* added to real time while running */
	bool frozen;
	int64_t frozen_at_ms;
	fault_list faults;
} namespace_state;

struct namespace_registry {
	pthread_mutex_t lock;
	namespace_state *items;
	size_t count, cap;
};

namespace_registry *namespaces_create(void)
{
	namespace_registry *registry = calloc(1, sizeof *registry);
	if (registry)
		pthread_mutex_init(&registry->lock, NULL);
	return registry;
}

void namespaces_destroy(namespace_registry *registry)
{
	if (!registry)
		return;
	for (size_t i = 0; i < registry->count; i++)
		faults_free(&registry->items[i].faults);
	free(registry->items);
	pthread_mutex_destroy(&registry->lock);
	free(registry);
}

/* The state of `ns`, or NULL when it has none. Lock held. */
static namespace_state *find_state(namespace_registry *registry, const char *ns)
{
	if (!ns)
		ns = STORE_DEFAULT_NAMESPACE;
	for (size_t i = 0; i < registry->count; i++)
		if (strcmp(registry->items[i].name, ns) == 0)
			return &registry->items[i];
	return NULL;
}

/* The state of `ns`, created when new (only a write creates it); NULL when
 * out of memory. Lock held. */
static namespace_state *state_of(namespace_registry *registry, const char *ns)
{
	namespace_state *found = find_state(registry, ns);
	if (found)
		return found;
	if (!ns)
		ns = STORE_DEFAULT_NAMESPACE;
	if (registry->count == registry->cap) {
		size_t cap = registry->cap ? registry->cap * 2 : 8;
		namespace_state *grown = realloc(registry->items, cap * sizeof *grown);
		if (!grown)
			return NULL;
		registry->items = grown;
		registry->cap = cap;
	}
	namespace_state *state = &registry->items[registry->count++];
	memset(state, 0, sizeof *state);
	snprintf(state->name, sizeof state->name, "%s", ns);
	faults_init(&state->faults);
	return state;
}

static int64_t clock_of(const namespace_state *state)
{
	return state->frozen ? state->frozen_at_ms : clock_now_ms() + state->offset_ms;
}

int64_t namespaces_now(namespace_registry *registry, const char *ns)
{
	pthread_mutex_lock(&registry->lock);
	const namespace_state *state = find_state(registry, ns);
	int64_t now = state ? clock_of(state) : clock_now_ms();
	pthread_mutex_unlock(&registry->lock);
	return now;
}

cJSON *namespaces_clock_json(namespace_registry *registry, const char *ns)
{
	pthread_mutex_lock(&registry->lock);
	const namespace_state *state = find_state(registry, ns);
	cJSON *clock = cJSON_CreateObject();
	if (clock) {
		cJSON_AddNumberToObject(clock, "now",
					(double)(state ? clock_of(state) : clock_now_ms()));
		cJSON_AddBoolToObject(clock, "frozen", state && state->frozen);
	}
	pthread_mutex_unlock(&registry->lock);
	return clock;
}

/* An integral number in 0..NAMESPACES_CLOCK_MAX_MS, read exactly. */
static bool read_integer(const cJSON *item, int64_t *out)
{
	return json_read_int64(item, out) && *out >= 0 && *out <= NAMESPACES_CLOCK_MAX_MS;
}

int namespaces_clock_apply(namespace_registry *registry, const char *ns, const cJSON *body,
			   char *why, size_t why_cap)
{
	if (!cJSON_IsObject(body) || !body->child) {
		snprintf(why, why_cap,
			 "the body must be {\"freeze\":bool}, {\"set\":ms} or {\"advanceMs\":N}");
		return -1;
	}
	int64_t set = 0, advance = 0;
	bool has_set = false, has_advance = false, has_freeze = false, freeze = false;
	for (const cJSON *field = body->child; field; field = field->next) {
		if (strcmp(field->string, "set") == 0 && !has_set && read_integer(field, &set) &&
		    set >= 0) {
			has_set = true;
		} else if (strcmp(field->string, "advanceMs") == 0 && !has_advance &&
			   read_integer(field, &advance) && advance >= 0) {
			has_advance = true;
		} else if (strcmp(field->string, "freeze") == 0 && !has_freeze &&
			   cJSON_IsBool(field)) {
			has_freeze = true;
			freeze = cJSON_IsTrue(field);
		} else {
			snprintf(why, why_cap,
				 "\"%.32s\" is not one of set (ms), advanceMs (ms), freeze (bool), "
				 "each once; set and advanceMs are integers in the clock's range, "
				 "0 to %lld ms",
				 field->string, (long long)NAMESPACES_CLOCK_MAX_MS);
			return -1;
		}
	}
	pthread_mutex_lock(&registry->lock);
	namespace_state *state = state_of(registry, ns);
	if (!state) {
		pthread_mutex_unlock(&registry->lock);
		snprintf(why, why_cap, "out of memory");
		return -1;
	}
	int64_t now = clock_of(state);
	if (has_set)
		now = set;
	if (has_advance && advance > NAMESPACES_CLOCK_MAX_MS - now) {
		pthread_mutex_unlock(&registry->lock);
		snprintf(why, why_cap,
			 "advancing the clock by %lld ms would leave its range, 0 to %lld ms "
			 "(it reads %lld)",
			 (long long)advance, (long long)NAMESPACES_CLOCK_MAX_MS, (long long)now);
		return -1;
	}
	if (has_advance)
		now += advance;
	if (has_freeze)
		state->frozen = freeze;
	if (state->frozen)
		state->frozen_at_ms = now;
	else
		state->offset_ms = now - clock_now_ms();
	pthread_mutex_unlock(&registry->lock);
	return 0;
}

int64_t namespaces_fault_add(namespace_registry *registry, const char *ns, const char *body,
			     size_t len, char *why, size_t why_cap)
{
	pthread_mutex_lock(&registry->lock);
	namespace_state *state = state_of(registry, ns);
	int64_t id = -1;
	if (state)
		id = faults_add_json(&state->faults, body, len, clock_of(state), why, why_cap);
	else
		snprintf(why, why_cap, "out of memory");
	pthread_mutex_unlock(&registry->lock);
	return id;
}

int namespaces_fault_match(namespace_registry *registry, const char *ns,
			   const fault_request *request, fault *out)
{
	pthread_mutex_lock(&registry->lock);
	namespace_state *state = find_state(registry, ns);
	int fired = 0;
	if (state && state->faults.count)
		fired = faults_match_request(&state->faults, request, clock_of(state), out);
	pthread_mutex_unlock(&registry->lock);
	return fired;
}

cJSON *namespaces_faults_json(namespace_registry *registry, const char *ns)
{
	pthread_mutex_lock(&registry->lock);
	const namespace_state *state = find_state(registry, ns);
	fault_list none;
	faults_init(&none);
	cJSON *list = state ? faults_to_json(&state->faults, clock_of(state))
			    : faults_to_json(&none, clock_now_ms());
	faults_free(&none);
	pthread_mutex_unlock(&registry->lock);
	return list;
}

int namespaces_fault_remove(namespace_registry *registry, const char *ns, int64_t id)
{
	pthread_mutex_lock(&registry->lock);
	namespace_state *state = find_state(registry, ns);
	int result = state ? faults_remove(&state->faults, id) : -1;
	pthread_mutex_unlock(&registry->lock);
	return result;
}

void namespaces_faults_clear(namespace_registry *registry, const char *ns)
{
	pthread_mutex_lock(&registry->lock);
	namespace_state *state = find_state(registry, ns);
	if (state)
		faults_clear(&state->faults);
	pthread_mutex_unlock(&registry->lock);
}

bool namespaces_forget(namespace_registry *registry, const char *ns)
{
	bool found = false;
	pthread_mutex_lock(&registry->lock);
	for (size_t i = 0; i < registry->count; i++)
		if (strcmp(registry->items[i].name, ns) == 0) {
			faults_free(&registry->items[i].faults);
			registry->items[i] = registry->items[--registry->count];
			found = true;
			break;
		}
	pthread_mutex_unlock(&registry->lock);
	return found;
}
