/* agents.h: the manager's side of its agents.
 *
 * Starts the CA (HOME/etc/ca), the server certificate, the registry (in
 * manager.db, so an agent's committed sequence number commits with the
 * alerts of its events), the TLS listener for agents and the enrolment
 * listener. Events arrive on the transport's thread and wait in a bounded
 * queue; the loop's thread drains it into the pipeline (agents_drain).
 * A full queue pauses the agents' connections (back-pressure: their spools
 * keep the events); nothing is dropped. A record that cannot be decoded is
 * counted, logged and committed as handled, so it is not resent forever. */
#ifndef YAGURA_MANAGER_AGENTS_H
#define YAGURA_MANAGER_AGENTS_H

#include <stdbool.h>
#include <stdint.h>

#include "common/yerr.h"
#include "store/db.h"

struct manager;
typedef struct yg_agents yg_agents;

/* NULL when <remote> is not configured; on an error, logged, and *failed
 * set. */
yg_agents *agents_open(struct manager *m, const char *db_path, bool *failed);
void agents_close(yg_agents *a);

/* A descriptor readable when events are queued (eventfd). */
int agents_fd(const yg_agents *a);
/* Moves queued events into the pipeline until it is full or the queue is
 * empty. Returns the number moved. */
size_t agents_drain(yg_agents *a);
/* Whether events are still queued (the pipeline was full). */
bool agents_pending(const yg_agents *a);

/* Events queued by the transport, waiting for the pipeline (metrics). */
size_t agents_queued(yg_agents *a);
/* Whether events were taken since the last commit. */
bool agents_dirty(const yg_agents *a);

/* The agents' last seqs of the batch being handed to the commit thread,
 * taken out of the loop's set (the next batch starts a new one). NULL when
 * out of memory (nothing taken). */
typedef struct agents_seqs agents_seqs;
agents_seqs *agents_take(yg_agents *a);
/* On the commit thread, inside the commit's transaction. */
yg_err agents_seqs_write(const agents_seqs *s, yg_db_txn *txn);
/* On the loop thread, after the commit: acknowledge them to the agents. */
void agents_seqs_ack(yg_agents *a, const agents_seqs *s);
void agents_seqs_free(agents_seqs *s);

/* The ids of the registered agents that are not revoked, at most max;
 * returns how many. */
size_t agents_ids(yg_agents *a, char (*out)[16], size_t max);

/* The agent registry (thread-safe), for the API. */
struct yg_registry *agents_registry(yg_agents *a);

/* Sends an active-response message to an agent; YG_ENOTFOUND when it is
 * not connected. */
yg_err agents_send_ar(yg_agents *a, const char *agent_id, uint64_t req_id, const char *json);

#endif
