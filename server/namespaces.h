/*
 * namespaces.h — what each namespace keeps in memory: its clock and its
 * faults. (Its tasks, sequences, journal and snapshots live in the store.)
 *
 * A namespace's state is created by the first write to it (setting its
 * clock, adding a fault); a read of a namespace without state answers as
 * for a new one (real time, no faults) and creates nothing. It is
 * forgotten when the namespace is deleted; a restart forgets it too (clocks run on real time
 * again, faults are gone). Every function is thread-safe (one mutex).
 */
#ifndef CONNECTOR_MOCK_NAMESPACES_H
#define CONNECTOR_MOCK_NAMESPACES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "../store/faults.h"

typedef struct namespace_registry namespace_registry;

/* NULL when out of memory. */
namespace_registry *namespaces_create(void);
void namespaces_destroy(namespace_registry *registry);

/* The namespace's clock, unix ms: real time, moved by set/advance, or
 * standing still while frozen. */
int64_t namespaces_now(namespace_registry *registry, const char *ns);

/* {"now": ms, "frozen": bool}; NULL when out of memory. */
cJSON *namespaces_clock_json(namespace_registry *registry, const char *ns);

/*
 * Applies {"set": ms}, {"advanceMs": N >= 0} and {"freeze": bool} (any of
 * them; in that order). Unknown fields and wrong types are refused: returns
 * -1 with a sentence in `why` and the clock unchanged; 0 on success.
 */
int namespaces_clock_apply(namespace_registry *registry, const char *ns, const cJSON *body,
			   char *why, size_t why_cap);

/* Faults (see store/faults.h), on the namespace's clock. */
int64_t namespaces_fault_add(namespace_registry *registry, const char *ns, const char *body,
			     size_t len, char *why, size_t why_cap);
int namespaces_fault_match(namespace_registry *registry, const char *ns,
			   const fault_request *request, fault *out);
cJSON *namespaces_faults_json(namespace_registry *registry, const char *ns);
int namespaces_fault_remove(namespace_registry *registry, const char *ns, int64_t id);
void namespaces_faults_clear(namespace_registry *registry, const char *ns);

/* Forgets the namespace's clock and faults (when it is deleted). Returns
 * whether there was anything to forget. */
bool namespaces_forget(namespace_registry *registry, const char *ns);

#endif
