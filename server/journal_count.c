/*
 * journal_count.c — a journal count that waits (see journal_count.h).
 */
#include "journal_count.h"

#include "journal_wait.h"
#include "namespaces.h"

typedef struct {
	const http_request *request;
	const store_journal_filter *filter;
	int64_t at_least;
	int64_t count;
	store_status status;
} count_check;

/* 1 when the count is reached, -1 on a storage failure, else 0. Each
 * look reads the namespace's clock anew: the retention may have moved. */
static int check_count(void *ctx)
{
	count_check *check = ctx;
	const http_request *request = check->request;
	check->status = store_journal_count(request->app->store, request->ns, check->filter,
					    namespaces_now(request->app->namespaces, request->ns),
					    &check->count);
	if (check->status != STORE_OK)
		return -1;
	return check->count >= check->at_least ? 1 : 0;
}

store_status journal_count_wait(const http_request *request, const store_journal_filter *filter,
				int64_t at_least, int64_t wait_ms, int64_t *count)
{
	count_check check = {request, filter, at_least, 0, STORE_OK};
	journal_wait_for(request->app->journal_wait, wait_ms, request->client_fd, check_count,
			 &check);
	*count = check.count;
	return check.status;
}
