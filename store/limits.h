/*
 * limits.h — every cap connector-mock keeps, in one list: what no input,
 * buffer or table may pass. A parser refuses what is past its cap with a
 * sentence, and a test sends one past each.
 *
 * Sizes are in bytes without the NUL unless said otherwise. server/ reads
 * its caps here too (store/ never includes server/). The one tuning size
 * kept elsewhere is libmicrohttpd's connection pool, CONNECTION_MEMORY in
 * server/http.c, where bench/run.sh reads it for the baseline server.
 */
#ifndef CONNECTOR_MOCK_LIMITS_H
#define CONNECTOR_MOCK_LIMITS_H

#include <stdint.h>

/* The largest integer a JSON number (a double) holds exactly: 2^53.
 * Integers read from JSON or the query stay within it. */
#define LIMITS_EXACT_INTEGER_MAX INT64_C(9007199254740992)

/* taskName: HOST-PORT:connector_v2:PROJECT-TYPE-SUB-IDX:SEQ */
enum {
	TASKNAME_HOST_MAX = 253, /* a DNS name's limit */
	TASKNAME_PROJECT_MAX = 128,
	TASKNAME_TYPE_MAX = 64,
	TASKNAME_NUMBER_MAX = 9, /* digits of SUB and IDX */
	TASKNAME_SEQ_DIGITS = 10,
	/* the longest well-formed name */
	TASKNAME_MAX = TASKNAME_HOST_MAX + 1 + 5 + 14 + TASKNAME_PROJECT_MAX + 1 +
		       TASKNAME_TYPE_MAX + 1 + TASKNAME_NUMBER_MAX + 1 + TASKNAME_NUMBER_MAX + 1 +
		       TASKNAME_SEQ_DIGITS,
	/* PROJECT-TYPE-SUB-IDX */
	TASKNAME_IDENTITY_MAX = TASKNAME_PROJECT_MAX + 1 + TASKNAME_TYPE_MAX + 1 +
				TASKNAME_NUMBER_MAX + 1 + TASKNAME_NUMBER_MAX,
};
/* The largest SEQ: 10 digits. A migrate past it is refused. */
#define TASKNAME_SEQ_MAX UINT64_C(9999999999)

/* Config maps (configmap.h) */
enum {
	CONFIGMAP_SCOPES_MAX = 32,    /* scopes in one map */
	CONFIGMAP_KEYS_MAX = 512,     /* keys in one scope (a merge is O(keys^2)) */
	CONFIGMAP_NAME_MAX = 256,     /* bytes of a scope or key name */
	CONFIGMAP_DELETES_MAX = 1024, /* entries of deleteParams */
	CONFIGMAP_CHECKPOINT_KEYS_MAX = 256,
};
/* The last second a checkpoint may name: 9999-12-31T23:59:59Z. */
#define CONFIGMAP_CHECKPOINT_MAX INT64_C(253402300799)

/* Faults (faults.h) */
enum {
	FAULTS_MAX = 256,   /* faults in one namespace's list */
	FAULTS_OP_MAX = 15, /* bytes of an op name */
	/* bytes of an errCode a user chooses: a fault's, an [errors] name
	 * (error_name_valid, errors.h) */
	ERROR_NAME_MAX = 63,
	FAULTS_ERR_CODE_MAX = ERROR_NAME_MAX,
	FAULTS_ERR_MSG_MAX = 511,     /* bytes of an errMsg */
	FAULTS_BODY_MAX = 65536,      /* bytes of a status body */
	FAULTS_MS_MAX = 600000,	      /* delay / hang, 10 minutes */
	FAULTS_HTTP_STATUS_MIN = 200, /* a 1xx is no final answer: the client would wait */
	FAULTS_HTTP_STATUS_MAX = 599,
	FAULTS_COUNT_MAX = 1000000000, /* the largest `after` and `times` */
	FAULTS_RATE_MAX = 1000000,     /* bytes per second of a slow answer */
	FAULTS_HEADER_NAME_MAX = 64,   /* bytes of a scoping header's name */
	FAULTS_HEADER_VALUE_MAX = 256, /* bytes of its value */
	FAULTS_CLIENT_MAX = 45,	       /* bytes of a client address (IPv6 text) */
	FAULTS_METHOD_MAX = 7,	       /* bytes of an HTTP method name */
	FAULTS_PATH_PREFIX_MAX = 256,  /* bytes of a control-API path prefix */
};
/* The largest ttlMs: one year. */
#define FAULTS_TTL_MAX_MS INT64_C(31536000000)
/* The largest seed: 2^53 - 1, so that it reads back exactly from JSON. */
#define FAULTS_SEED_MAX ((uint64_t)LIMITS_EXACT_INTEGER_MAX - 1)

/* The store (store.h) */
enum {
	STORE_MESSAGE_MAX = 1024, /* bytes of an outcome's sentences */
	STORE_NAMESPACE_MAX = 64, /* bytes of a namespace name */
	STORE_SNAPSHOT_NAME_MAX = 64,
	STORE_LAST_ERROR_MAX = 4096,	    /* bytes of a task's lastError */
	STORE_JOURNAL_DEFAULT_LIMIT = 1000, /* entries of one journal read, by default */
	STORE_JOURNAL_MAX_LIMIT = 100000,   /* entries of one journal read, at most */
	STORE_DELIVERIES_MAX = 4096,	    /* delivery marks waiting for the next transaction */
	STORE_BATCH_MAX = 256,		    /* operations in one transaction (writer.c) */
	STORE_FIXTURES_FILE_MAX = 64 << 20, /* bytes of a fixtures file */
};

/* HTTP (server/) */
enum {
	PARAMS_COUNT_MAX = 256,	  /* parameters in one request */
	PARAMS_NAME_MAX = 256,	  /* bytes of a parameter's name */
	PARAMS_VALUE_MAX = 65536, /* bytes of one value */
	PARAMS_WHY_MAX = 256,	  /* bytes of a refusal's sentence */
	HTTP_MAX_BODY_MIN = 1024, /* the range of --max-body */
	HTTP_MAX_BODY_MAX = 64 << 20,
	METRICS_RENDER_MAX = 256 * 1024, /* bytes of the /_mock/metrics text */
	METRICS_NAMESPACES_MAX = 256,	 /* namespaces counted apart; the rest share "(other)" */
	SETTINGS_PATH_MAX = 4096,	 /* bytes of a path setting */
	SETTINGS_TOKEN_MAX = 256,	 /* bytes of the admin token */
};

/* The virtual clock's range, in ms since the epoch (server/namespaces.c):
 * what a JSON number holds exactly, so every time it gives reads back the
 * same. A set or advance past it is refused. */
#define NAMESPACES_CLOCK_MAX_MS (LIMITS_EXACT_INTEGER_MAX - 1)

/* The config file and the built-in defaults (server/config_file.c) */
enum {
	CONFIG_LINE_MAX = 16384,   /* bytes of a line, without its end */
	CONFIG_FILE_MAX = 1 << 20, /* bytes of the file */
	CONFIG_KEYS_MAX = 256,	   /* keys in one file */
	CONFIG_NAME_MAX = 127,	   /* bytes of a section or key name */
};

/* The ranges of the numeric settings (server/settings.c) */
enum {
	SETTINGS_THREADS_MAX = 64,
	SETTINGS_CONNECTION_TIMEOUT_MAX_S = 3600,
	SETTINGS_CONNECTIONS_MAX = 100000, /* connection_limit, per_ip_connection_limit */
	SETTINGS_BUSY_TIMEOUT_MAX_MS = 600000,
	SETTINGS_JOURNAL_ENTRIES_MAX = 100000000, /* journal.max_entries */
};
/* The longest duration setting (retention_time): about 285 years. */
#define SETTINGS_DURATION_MAX_MS 9000000000000ULL

#endif
