/*
 * operations.c — the OMS operations: judge a request, apply it to its task
 * inside the batch's transaction, and journal it.
 *
 * What needs no task is judged before the request is queued (store_judge);
 * the rest is decided by the pure rules (rules.h, configmap.h) against the
 * task read inside the transaction. Every refusal is decided before the
 * first write, so a refused operation writes nothing but its journal
 * record. Calls namespace.c, simulation_store.c, audit.c, rows.c,
 * tombstones.c and db.c.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "configmap.h"
#include "integrity.h"
#include "store_internal.h"

static void refuse(store_outcome *outcome, error_code error, const char *reason,
		   const char *proposal, const char *format, ...)
	__attribute__((format(printf, 5, 6)));

static void refuse(store_outcome *outcome, error_code error, const char *reason,
		   const char *proposal, const char *format, ...)
{
	outcome->error = error;
	outcome->result[0] = '\0';
	va_list args;
	va_start(args, format);
	vsnprintf(outcome->message, sizeof outcome->message, format, args);
	va_end(args);
	snprintf(outcome->reason, sizeof outcome->reason, "%s", reason);
	snprintf(outcome->proposal, sizeof outcome->proposal, "%s", proposal);
}

static cJSON *extra_for(store_outcome *outcome)
{
	if (!outcome->extra)
		outcome->extra = cJSON_CreateObject();
	return outcome->extra;
}

/* `reason` is SQLite's message, read before the rollback that resets it */
static void internal_error(store_outcome *outcome, const char *reason, const char *doing)
{
	cJSON_Delete(outcome->extra);
	outcome->extra = NULL;
	refuse(outcome, ERR_INTERNAL_ERROR, reason, "Retry the request; nothing was changed.",
	       "connector-mock could not %s: the storage failed, nothing was changed", doing);
}

/* A task that is absent: say where it went when the store remembers. */
static int not_found(task_store *store, const char *ns, const char *name, store_outcome *outcome)
{
	tombstone t = {0};
	int rc = 0; /* a name that does not parse was never a task's: no tombstone */
	taskname parsed;
	if (taskname_parse(name, strlen(name), &parsed, NULL) == 0) {
		char identity[TASKNAME_IDENTITY_MAX + 1];
		taskname_identity(&parsed, identity, sizeof identity);
		rc = tombstones_find(store, ns, name, identity, &t);
	}
	char migrated_to[TASKNAME_MAX + 1] = "";
	if (rc > 0 && strcmp(t.reason, "migrated") == 0 && t.migrated_to[0] &&
	    tombstones_chain_end(store, &t, migrated_to, sizeof migrated_to) < 0)
		rc = -1;
	free(t.newer); /* NULL unless found */
	if (rc < 0)
		return -1;
	cJSON *extra = extra_for(outcome);
	cJSON_AddStringToObject(extra, "taskName", name);
	if (migrated_to[0]) {
		cJSON_AddStringToObject(extra, "migratedTo", migrated_to);
		refuse(outcome, ERR_TASK_NOT_FOUND, "the connector was migrated to another host",
		       "Send the operation to the new taskName in extraContext.migratedTo.",
		       "task %s was migrated; it is now %s", name, migrated_to);
	} else if (rc > 0) {
		cJSON_AddBoolToObject(extra, "deleted", 1);
		refuse(outcome, ERR_TASK_NOT_FOUND, "the connector was deleted",
		       "Check the taskName; a deleted connector cannot be brought back by "
		       "this API.",
		       "task %s was deleted", name);
	} else {
		refuse(outcome, ERR_TASK_NOT_FOUND, "no connector has this taskName",
		       "Check the taskName (host, port, project, type and sequence) against the "
		       "task list.",
		       "task %s does not exist", name);
	}
	return 0;
}

static void refuse_by_rule(const task_row *row, rules_op op, const rules_decision *decision,
			   store_outcome *outcome)
{
	refuse(outcome, decision->error, decision->reason, decision->proposal,
	       "cannot %s task %s: %s", rules_op_name(op), row->name, decision->reason);
	cJSON *extra = extra_for(outcome);
	cJSON_AddStringToObject(extra, "taskName", row->name);
	cJSON_AddStringToObject(extra, "state", task_state_name(row->state));
	cJSON_AddStringToObject(extra, "componentType", row->parsed.type);
	cJSON *allowed = cJSON_AddArrayToObject(extra, "allowedStates");
	for (int s = 0; s < TASK__COUNT; s++)
		if (rules_allowed_from(op, (task_state)s))
			cJSON_AddItemToArray(allowed,
					     cJSON_CreateString(task_state_name((task_state)s)));
}

typedef struct {
	task_state from;
	bool has_from;
	task_state to;
	bool has_to;
} transition;

/*
 * An update's deletes and merge, on the stored text when it is in the form
 * the store prints (always, unless the database was edited by hand):
 * parsing it with cJSON, merging and printing it again was most of an
 * update's cost. configmap_apply_text gives the same bytes
 * (tests/unit_configmap.c compares the two). 0 applied, 1 refused (`why`
 * says why), -1 storage failure.
 */
static int update_config(task_store *store, task_row *row, const store_request *request, char *why,
			 size_t why_cap)
{
	if (!row->config_text && rows_read_config_text(store, row) < 0)
		return -1;
	char *merged;
	int rc = configmap_apply_text(row->config_text, strlen(row->config_text), request->deletes,
				      request->update, &merged, why, why_cap);
	if (rc == 0) {
		free(row->config_text);
		row->config_text = merged;
		cJSON_Delete(row->config); /* older than the text now */
		row->config = NULL;
		row->config_changed = true;
		return 0;
	}
	if (rc < 0)
		return 1;
	cJSON *config = task_row_config(store, row);
	if (!config)
		return -1;
	row->config_changed = true;
	return configmap_apply(config, request->deletes, request->update, why, why_cap) < 0 ? 1 : 0;
}

/* The pull back of a resume: the position of source.checkpoint becomes the
 * task's checkpoint. 0, 1 refused (outcome filled), -1 storage failure. */
static int pull_back(task_store *store, task_row *row, store_outcome *outcome)
{
	char why[STORE_MESSAGE_MAX];
	int64_t position;
	const cJSON *config = task_row_config(store, row);
	if (!config)
		return -1;
	if (configmap_checkpoint(config, &position, why, sizeof why) < 0) {
		refuse(outcome, ERR_INVALID_CHECKPOINT, why,
		       "Update source.checkpoint to {\"<subtopic>\":\"<unix seconds>\"} "
		       "with a subtopic of source.clients, then resume with "
		       "pullBackFlag=true.",
		       "cannot pull back task %s: %s", row->name, why);
		cJSON *extra = extra_for(outcome);
		cJSON_AddStringToObject(extra, "taskName", row->name);
		const char *current = configmap_get(config, "source", "checkpoint");
		if (current)
			cJSON_AddStringToObject(extra, "checkpoint", current);
		return 1;
	}
	row->checkpoint = position;
	row->has_checkpoint = true;
	return 0;
}

/* Moves the task to its new name and leaves a tombstone at the old one.
 * 0, 1 refused (the sequence is exhausted), -1 storage failure. */
static int migrate(task_store *store, const char *ns, const store_request *request, task_row *row,
		   store_outcome *outcome)
{
	char old_name[TASKNAME_MAX + 1];
	snprintf(old_name, sizeof old_name, "%s", row->name);
	taskname moved;
	char moved_name[TASKNAME_MAX + 1];
	int rc = tombstones_next_name(store, ns, &row->parsed, request->new_host, &moved,
				      moved_name, sizeof moved_name);
	if (rc == -2) {
		refuse(outcome, ERR_ILLEGAL_STATE, "every 10-digit sequence was used",
		       "Create a task of a new identity.",
		       "cannot migrate task %s: its sequence is exhausted", row->name);
		return 1;
	}
	if (rc < 0)
		return -1;
	memcpy(row->name, moved_name, sizeof row->name);
	row->parsed = moved;
	snprintf(outcome->result, sizeof outcome->result, "%s", row->name);
	char identity[TASKNAME_IDENTITY_MAX + 1];
	taskname_identity(&row->parsed, identity, sizeof identity);
	if (rows_save(store, ns, old_name, row) < 0)
		return -1;
	return tombstones_put(store, ns, old_name, identity, row->parsed.seq, "migrated", row->name,
			      request->now_ms);
}

/*
 * Applies an allowed decision to `row` and writes it. Returns 0, 1 when a
 * rule refused late (checkpoint, update, sequence exhausted; outcome
 * filled), or -1 on a storage failure.
 */
static int apply_decision(task_store *store, const char *ns, const store_request *request,
			  task_row *row, const rules_decision *decision, store_outcome *outcome,
			  transition *change)
{
	snprintf(outcome->result, sizeof outcome->result, "%s", row->name);
	change->to = decision->effect == EFFECT_SET_STATE ? decision->next : row->state;
	change->has_to = decision->effect != EFFECT_REMOVE;
	if (decision->effect == EFFECT_NONE)
		return 0; /* a lenient repeat: success, nothing written */
	if (decision->effect == EFFECT_REMOVE) {
		char identity[TASKNAME_IDENTITY_MAX + 1];
		taskname_identity(&row->parsed, identity, sizeof identity);
		if (rows_delete(store, ns, row) < 0)
			return -1;
		return tombstones_put(store, ns, row->name, identity, row->parsed.seq, "deleted",
				      NULL, request->now_ms);
	}
	int rc = decision->needs_checkpoint ? pull_back(store, row, outcome) : 0;
	if (rc != 0)
		return rc;
	if (decision->restart_progress) {
		row->progress = 0;
		row->has_progress = true;
	}
	if (request->op == OP_UPDATE) {
		char why[STORE_MESSAGE_MAX];
		rc = update_config(store, row, request, why, sizeof why);
		if (rc < 0)
			return -1;
		if (rc > 0) {
			refuse(outcome, ERR_INVALID_ARGUMENT, why, "Send a smaller configuration.",
			       "cannot update task %s: %s", row->name, why);
			return 1;
		}
	}
	if (decision->next == TASK_RUNNING) {
		free(row->last_error);
		row->last_error = NULL;
	}
	row->state = decision->next;
	row->updated_at = request->now_ms;
	if (sim_on_change(store, ns, row, change->from, request->now_ms) < 0)
		return -1;
	if (request->op == OP_MIGRATE)
		return migrate(store, ns, request, row, outcome);
	return rows_save(store, ns, row->name, row);
}

/* Decides and applies inside the open transaction. 0 done (outcome says
 * how), -1 storage failure. */
static int execute_locked(task_store *store, const char *ns, const store_request *request,
			  store_outcome *outcome, transition *change)
{
	const char *name = request->task_name;
	task_row row;
	int found = rows_load(store, ns, name, &row);
	if (found < 0)
		return -1;
	if (found == 0)
		return not_found(store, ns, name, outcome);
	change->from = row.state;
	change->has_from = true;
	rules_decision decision =
		rules_decide(request->op, row.state, row.parsed.component, request->flags);
	int result = 0;
	if (decision.error != ERR_NONE)
		refuse_by_rule(&row, request->op, &decision, outcome);
	else
		result = apply_decision(store, ns, request, &row, &decision, outcome, change);
	task_row_free(&row);
	return result < 0 ? -1 : 0;
}

static int http_status_of(const store_request *request, error_code error)
{
	return request->http_status_by_error ? request->http_status_by_error[error] : 200;
}

static audit_record record_of(const store_request *request, const char *op, const char *task_name,
			      store_outcome *outcome, const transition *change)
{
	bool success = outcome->error == ERR_NONE;
	return (audit_record){
		.now_ms = request->now_ms,
		.client = request->client,
		.op = op,
		.task_name = task_name,
		.params_json = request->params_json ? request->params_json : "{}",
		.body = request->body,
		.body_len = request->body_len,
		.http_status = http_status_of(request, outcome->error),
		.is_success = success,
		.err_code = success ? NULL : error_name(outcome->error),
		.from_state = change && change->has_from ? task_state_name(change->from) : NULL,
		.to_state =
			success && change && change->has_to ? task_state_name(change->to) : NULL,
		.new_task_name = success && request->op == OP_MIGRATE ? outcome->result : NULL,
		.injected = request->injected,
		.fault_id = request->fault_id,
		.id_out = &outcome->journal_id,
	};
}

/* Writes the journal record of a refused request in a transaction of its own. */
static void record_alone(task_store *store, const char *ns, const audit_record *record)
{
	if (store_begin(store) < 0)
		return;
	if (audit_insert(store, ns, record) < 0 ||
	    audit_purge(store, ns, record->now_ms, false) < 0 || store_commit(store) < 0)
		store_rollback(store);
}

/* Judges what needs no task: a refusal by the caller, the taskName's
 * grammar, migrate's host, the flags. Fills `outcome` when it refuses. */
static void judge_request(const store_request *request, store_outcome *outcome)
{
	memset(outcome, 0, sizeof *outcome);
	const char *name = request->task_name;
	const char *why = NULL;
	taskname parsed;
	if (request->refused != ERR_NONE) {
		refuse(outcome, request->refused, request->refused_message,
		       "Correct the request and send it again.", "%s", request->refused_message);
	} else if (request->ns && !store_namespace_valid(request->ns)) {
		refuse(outcome, ERR_INVALID_ARGUMENT, "the namespace name is not valid",
		       "Name namespaces with 1 to 64 of A-Z a-z 0-9 _ -.", "bad namespace");
	} else if (!name || !*name) {
		refuse(outcome, ERR_INVALID_ARGUMENT, "the taskName parameter is missing or empty",
		       "Send taskName=HOST-PORT:connector_v2:PROJECT-TYPE-SUB-IDX:SEQ.",
		       "taskName is required");
	} else if (taskname_parse(name, strlen(name), &parsed, &why) < 0) {
		refuse(outcome, ERR_INVALID_ARGUMENT, why,
		       "Send taskName=HOST-PORT:connector_v2:PROJECT-TYPE-SUB-IDX:SEQ, e.g. "
		       "10.0.0.1-9000:connector_v2:p_1-incr_trans-1-0:0000000001.",
		       "taskName is not a connector task name: %s", why);
	} else if (request->op == OP_MIGRATE && request->new_host &&
		   taskname_check_host(request->new_host, strlen(request->new_host), &why) < 0) {
		refuse(outcome, ERR_INVALID_ARGUMENT, why,
		       "Send ip as an IPv4 address or a host name.", "ip is not a host: %s", why);
	} else {
		rules_decision flags = rules_check_flags(request->op, request->flags);
		if (flags.error != ERR_NONE)
			refuse(outcome, flags.error, flags.reason, flags.proposal, "%s",
			       flags.reason);
	}
}

static const char *namespace_of(const store_job *job)
{
	return job->request->ns ? job->request->ns : STORE_DEFAULT_NAMESPACE;
}

/*
 * Runs one judged job inside the batch's transaction and journals it.
 * A refused operation writes nothing but its journal record (every refusal
 * is decided before the first write), so no savepoint is needed. Returns
 * 0, or -1 when the storage failed: the caller then rolls the whole batch
 * back.
 */
static int run_job_locked(task_store *store, store_job *job)
{
	const store_request *request = job->request;
	store_outcome *outcome = job->outcome;
	transition change = {0};
	const char *ns = namespace_of(job);
	if (!store_namespace_valid(ns))
		return 0; /* refused by judge_request; no namespace to journal it in */
	/* the simulation's transitions due by the request's time come first */
	if (namespace_ensure(store, ns, request->now_ms, true) < 0 ||
	    sim_advance(store, ns, request->now_ms) < 0)
		return -1;
	if (outcome->error == ERR_NONE && execute_locked(store, ns, request, outcome, &change) < 0)
		return -1;
	audit_record record = record_of(request, rules_op_name(request->op), request->task_name,
					outcome, &change);
	return audit_insert(store, ns, &record);
}

/* After a failed batch: each job failed; try to journal each alone. */
static void fail_batch_locked(task_store *store, store_job **jobs, size_t count, const char *doing,
			      const char *reason)
{
	for (size_t i = 0; i < count; i++) {
		internal_error(jobs[i]->outcome, reason, doing);
		const store_request *request = jobs[i]->request;
		const char *ns = namespace_of(jobs[i]);
		if (!store_namespace_valid(ns))
			continue;
		audit_record record = record_of(request, rules_op_name(request->op),
						request->task_name, jobs[i]->outcome, NULL);
		record_alone(store, ns, &record);
	}
}

/* Applies the journal's bounds once per namespace the batch wrote to. */
static int purge_batch_locked(task_store *store, store_job **jobs, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		const char *ns = namespace_of(jobs[i]);
		bool seen = !store_namespace_valid(ns);
		for (size_t k = 0; k < i && !seen; k++)
			seen = strcmp(ns, namespace_of(jobs[k])) == 0;
		if (seen)
			continue;
		if (audit_purge(store, ns, jobs[i]->request->now_ms, false) < 0)
			return -1;
	}
	return 0;
}

void store_run_batch_locked(task_store *store, store_job **jobs, size_t count)
{
	STORE_ASSERT_LOCKED(store);
	char reason[STORE_MESSAGE_MAX] = "";
	const char *doing = "begin a transaction";
	if (store_begin(store) < 0)
		goto failed;
	deliveries_apply_locked(store); /* the marks of answers sent since the last batch */
	doing = "apply the operation";
	for (size_t i = 0; i < count; i++)
		if (run_job_locked(store, jobs[i]) < 0)
			goto failed;
	/* no acknowledged write to a file a restart will not open */
	doing = "commit the operation";
	if (purge_batch_locked(store, jobs, count) == 0 &&
	    store_file_check(store, reason, sizeof reason) == 0 && store_commit(store) == 0)
		return;
failed:
	if (!reason[0])
		snprintf(reason, sizeof reason, "%s", sqlite3_errmsg(store->db));
	store_rollback(store);
	fail_batch_locked(store, jobs, count, doing, reason);
}

void store_judge(store_job *job) { judge_request(job->request, job->outcome); }

void store_outcome_free(store_outcome *outcome)
{
	cJSON_Delete(outcome->extra);
	outcome->extra = NULL;
}

int64_t store_record_refusal(task_store *store, const char *op, const char *task_name,
			     const char *err_code, int http_status, const store_request *context)
{
	audit_record record = {
		.now_ms = context->now_ms,
		.client = context->client,
		.op = op,
		.task_name = task_name,
		.params_json = context->params_json ? context->params_json : "{}",
		.body = context->body,
		.body_len = context->body_len,
		.http_status = http_status,
		.is_success = false,
		.err_code = err_code,
		.injected = context->injected,
		.fault_id = context->fault_id,
	};
	int64_t id = 0;
	record.id_out = &id;
	const char *ns = context->ns ? context->ns : STORE_DEFAULT_NAMESPACE;
	db_lock(&store->lock);
	int64_t result = -1;
	if (store_begin(store) == 0) {
		if (namespace_ensure(store, ns, context->now_ms, true) >= 0 &&
		    audit_insert(store, ns, &record) == 0 &&
		    audit_purge(store, ns, context->now_ms, false) == 0 && store_commit(store) == 0)
			result = id;
		else
			store_rollback(store);
	}
	db_unlock(&store->lock);
	return result;
}
