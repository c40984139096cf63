/*
 * faults_json.c — a fault list as the control API shows it (GET
 * /_mock/faults), every action with its defaults filled in (faults.h).
 * Pure: the time comes in as a number.
 */
#include <stdbool.h>

#include "faults.h"

static bool add_error_answer(cJSON *action, const fault *f)
{
	return cJSON_AddStringToObject(action, "errCode", f->err_code) &&
	       cJSON_AddStringToObject(action, "errMsg", f->err_msg) &&
	       cJSON_AddBoolToObject(action, "retryable", f->retryable) &&
	       cJSON_AddNumberToObject(action, "httpStatus", f->http_status);
}

static bool add_status_answer(cJSON *action, const fault *f)
{
	return cJSON_AddNumberToObject(action, "httpStatus", f->http_status) &&
	       cJSON_AddStringToObject(action, "body", f->body ? f->body : "");
}

static bool add_socket_action(cJSON *action, const fault *f)
{
	if (!f->path_prefix[0] && !cJSON_AddBoolToObject(action, "apply", f->apply))
		return false;
	if (f->type == FAULT_PARTIAL)
		return cJSON_AddNumberToObject(action, "bytes", (double)f->bytes) != NULL;
	if (f->type == FAULT_SLOW)
		return cJSON_AddNumberToObject(action, "rate", (double)f->rate) != NULL;
	if (f->type == FAULT_GARBAGE)
		return cJSON_AddStringToObject(action, "body", f->body ? f->body : "") != NULL;
	return true;
}

/* The scope's fields, each only when set, so that a fault posted without
 * them lists as before. */
static bool add_scope(cJSON *item, const fault *f)
{
	bool ok = true;
	if (f->header_name[0]) {
		cJSON *header = cJSON_AddObjectToObject(item, "header");
		ok = header && cJSON_AddStringToObject(header, "name", f->header_name) &&
		     cJSON_AddStringToObject(header, "value", f->header_value);
	}
	if (ok && f->client[0])
		ok = cJSON_AddStringToObject(item, "client", f->client) != NULL;
	if (ok && f->path_prefix[0])
		ok = cJSON_AddStringToObject(item, "pathPrefix", f->path_prefix) &&
		     (f->method[0] ? cJSON_AddStringToObject(item, "method", f->method)
				   : cJSON_AddNullToObject(item, "method"));
	return ok;
}

cJSON *fault_action_to_json(const fault *f)
{
	cJSON *action = cJSON_CreateObject();
	if (!action || !cJSON_AddStringToObject(action, "type", fault_type_name(f->type)))
		goto fail;
	bool ok = true;
	switch (f->type) {
	case FAULT_ERROR:
		ok = add_error_answer(action, f);
		break;
	case FAULT_STATUS:
		ok = add_status_answer(action, f);
		break;
	case FAULT_DELAY:
	case FAULT_HANG:
		ok = cJSON_AddNumberToObject(action, "ms", (double)f->ms) != NULL;
		break;
	case FAULT_DROP:
		break;
	case FAULT_LOST_ACK:
		ok = cJSON_AddStringToObject(action, "then", fault_type_name(f->then)) != NULL;
		if (ok && f->then == FAULT_ERROR)
			ok = add_error_answer(action, f);
		else if (ok && f->then == FAULT_STATUS)
			ok = add_status_answer(action, f);
		break;
	case FAULT_RESET:
	case FAULT_PARTIAL:
	case FAULT_SLOW:
	case FAULT_GARBAGE:
		ok = add_socket_action(action, f);
		break;
	case FAULT__COUNT:
		ok = false;
		break;
	}
	if (ok)
		return action;
fail:
	cJSON_Delete(action);
	return NULL;
}

static cJSON *fault_to_json(const fault *f, int64_t now_ms)
{
	cJSON *item = cJSON_CreateObject();
	if (!item)
		return NULL;
	bool ok = cJSON_AddNumberToObject(item, "id", (double)f->id) &&
		  cJSON_AddStringToObject(item, "op", f->op) &&
		  (f->task_name[0] ? cJSON_AddStringToObject(item, "taskName", f->task_name)
				   : cJSON_AddNullToObject(item, "taskName")) &&
		  cJSON_AddNumberToObject(item, "after", (double)f->after) &&
		  cJSON_AddNumberToObject(item, "times", (double)f->times) &&
		  cJSON_AddNumberToObject(item, "probability", f->probability) &&
		  cJSON_AddNumberToObject(item, "seed", (double)f->seed) &&
		  (f->expires_at_ms
			   ? cJSON_AddNumberToObject(item, "ttlMs",
						     (double)(f->expires_at_ms - f->created_at_ms))
			   : cJSON_AddNullToObject(item, "ttlMs")) &&
		  cJSON_AddNumberToObject(item, "createdAt", (double)f->created_at_ms) &&
		  (f->expires_at_ms
			   ? cJSON_AddNumberToObject(item, "expiresAt", (double)f->expires_at_ms)
			   : cJSON_AddNullToObject(item, "expiresAt"));
	cJSON *action = ok ? fault_action_to_json(f) : NULL;
	if (!action || !cJSON_AddItemToObject(item, "action", action)) {
		cJSON_Delete(action);
		cJSON_Delete(item);
		return NULL;
	}
	ok = add_scope(item, f) && cJSON_AddNumberToObject(item, "matches", (double)f->matches) &&
	     cJSON_AddNumberToObject(item, "hits", (double)f->hits) &&
	     (f->last_fired_ms >= 0
		      ? cJSON_AddNumberToObject(item, "lastFiredAt", (double)f->last_fired_ms)
		      : cJSON_AddNullToObject(item, "lastFiredAt")) &&
	     cJSON_AddBoolToObject(item, "expired", !fault_alive(f, now_ms)) &&
	     cJSON_AddBoolToObject(item, "exhausted", fault_exhausted(f));
	if (!ok) {
		cJSON_Delete(item);
		return NULL;
	}
	return item;
}

cJSON *faults_to_json(const fault_list *list, int64_t now_ms)
{
	cJSON *root = cJSON_CreateObject();
	cJSON *array = root ? cJSON_AddArrayToObject(root, "faults") : NULL;
	if (!array)
		goto fail;
	for (size_t i = 0; i < list->count; i++) {
		cJSON *item = fault_to_json(&list->items[i], now_ms);
		if (!item)
			goto fail;
		if (!cJSON_AddItemToArray(array, item)) {
			cJSON_Delete(item);
			goto fail;
		}
	}
	return root;
fail:
	cJSON_Delete(root);
	return NULL;
}
