/* tsim.h: a simulated agent spool and a simulated manager for the
 * transport tests (the manager commits into SQLite with
 * yg_registry_set_seq_in, then acks, like the real one must). */
#ifndef YAGURA_TESTS_TSIM_H
#define YAGURA_TESTS_TSIM_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "store/db.h"
#include "transport/client.h"
#include "transport/server.h"

typedef struct sim_spool {
	pthread_mutex_t mu;
	uint64_t produced, acked;
	int connects, disconnects;
	uint64_t ar_req_id;
	char ar_json[256];
	yg_tclient *cl;
} sim_spool;

void sim_spool_init(sim_spool *s);
void sim_spool_produce(sim_spool *s, uint64_t n);
uint64_t sim_spool_acked(sim_spool *s);
/* Fills cb with the spool's callbacks. */
void sim_spool_callbacks(sim_spool *s, yg_tclient_callbacks *cb);

typedef struct sim_batch {
	char agent[12];
	uint64_t first;
	uint32_t count;
	struct sim_batch *next;
} sim_batch;

typedef struct sim_mgr {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	yg_db *db;
	yg_tserver *srv;
	sim_batch *q, *q_tail;
	bool hold_acks, pause_commit, stop;
	int full_left;          /* answer FULL this many times */
	uint64_t violations;    /* records handed with seq <= committed */
	uint64_t bad_records;   /* record bytes not matching their seq */
	uint64_t dups;          /* records committed twice */
	uint64_t committed;     /* rows committed */
	uint64_t max_committed; /* highest seq committed (one agent tests) */
	uint64_t handed_total;
	int connects;
	pthread_t th;
} sim_mgr;

void sim_mgr_start(sim_mgr *m, const char *db_path);
void sim_mgr_stop(sim_mgr *m);
void sim_mgr_set_server(sim_mgr *m, yg_tserver *srv);
/* Forgets queued, uncommitted batches (a manager crash). */
void sim_mgr_drop_queue(sim_mgr *m);
uint64_t sim_mgr_get(sim_mgr *m, const uint64_t *field);
void sim_mgr_callbacks(sim_mgr *m, yg_tserver_callbacks *cb);

#endif
