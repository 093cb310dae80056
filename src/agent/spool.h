/* spool.h: the agent's on-disk event spool.
 *
 * Every event the agent produces is appended here before it is sent, so that
 * events produced while the manager is down are kept on disk and sent later,
 * in order, exactly once as seen by the manager:
 *
 *   - append assigns consecutive sequence numbers from 1; they survive restarts
 *     and are never reused once a record may have been sent;
 *   - peek hands out records in seq order after a given seq (for sending);
 *   - ack(seq) says the manager committed everything <= seq: the acked seq is
 *     persisted (acked file replaced atomically) and segments holding only
 *     acked records are deleted. After a restart, records after the acked seq
 *     are sent again; the manager drops the ones it already has by seq.
 *
 * On disk: a directory holding segment files `<first seq, 20 digits>.seg`,
 * a file `acked` and, once needed, a file `state`. A segment is a run of
 * records framed as
 *   [u32 len][u32 crc32c][u64 seq][len bytes]      (little-endian)
 * where the CRC covers len, seq and the bytes; a state frame has bit 31 of
 * len set and the seq of the record before it. Seqs within a segment are
 * consecutive. At open, a torn or corrupt record (length, CRC or seq wrong,
 * e.g. after kill -9 in the middle of a write) ends its segment: the file is
 * truncated there, everything before it is kept, and the loss is reported to
 * the diag and counted in the stats.
 *
 * Bound and back-pressure: the spool never holds more than max_bytes of
 * segment files (plus at most one state frame, see put_state). An append that would pass it fails
 * with YG_ELIMIT and changes nothing (stats.full_refusals counts these); the caller must then stop
 * reading its sources (the log collector keeps its file position, FIM retries the event later)
 * until acks free a segment. Nothing is ever dropped by the spool.
 *
 * Durability: records are written with write(2) at once, so a killed process
 * loses at most the record being written. Against power loss, the fsync
 * policy chooses when segment data reaches the disk; in every policy a record
 * is fsynced before peek hands it out, so a record the manager may have seen
 * is never lost and its seq never reused.
 *
 * State frames: yg_spool_put_state appends the caller's own state (say, the
 * read positions of the sources the records came from) as a frame among the
 * records, so one fsync makes records and the state describing them durable
 * together. State frames take no seq and are never handed out by peek; open
 * finds the latest one (after repairing a torn tail) and yg_spool_state
 * returns it. Only the latest matters: earlier ones are dropped with their
 * segments, a run of them with no record in between is kept to at most two
 * frames, and before the segment holding the latest one is deleted by an ack
 * it is written to a small state file (replaced atomically), so it always
 * survives. With `state_commits` a state frame also commits the records
 * before it: peek hands out only committed records, and open drops the
 * records appended after the latest state (they were never handed out; the
 * caller reads them again from the positions in that state). That is what
 * turns at-least-once into exactly-once for a source that can re-read (the
 * log collector): see docs/spool.md.
 *
 * Threading: every function takes one internal mutex, so appenders and the
 * sender may be different threads. The peek callback runs with that mutex
 * held: it must copy what it needs and must not call back into the spool. */
#ifndef YAGURA_AGENT_SPOOL_H
#define YAGURA_AGENT_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/ydiag.h"
#include "common/yerr.h"

/* The largest record accepted, in bytes. */
#define YG_SPOOL_MAX_RECORD (1024u * 1024u)
/* The largest state blob accepted by yg_spool_put_state, in bytes. */
#define YG_SPOOL_MAX_STATE (1024u * 1024u)
/* Bytes of framing before each record (and state frame) on disk. */
#define YG_SPOOL_HEADER_BYTES 16u

typedef enum yg_spool_fsync {
	YG_SPOOL_FSYNC_ALWAYS,  /* fsync after every append */
	YG_SPOOL_FSYNC_EVERY_N, /* fsync after every `fsync_every` appends */
	YG_SPOOL_FSYNC_MANUAL,  /* only in yg_spool_sync (call it on a timer) and peek */
} yg_spool_fsync;

typedef struct yg_spool_config {
	uint64_t max_bytes;     /* bound of all segment files; 0 = 256 MiB */
	uint64_t segment_bytes; /* a segment is closed past this; 0 = 8 MiB */
	yg_spool_fsync fsync;
	unsigned fsync_every; /* for YG_SPOOL_FSYNC_EVERY_N; 0 = 100 */
	/* true: a record is committed only by a later state frame (see
	 * yg_spool_put_state); peek hands out committed records only and
	 * open drops the uncommitted ones. A spool that never had a state
	 * commits every record, as with false. Use it when every producer of
	 * the spool puts its state; a producer that does not would see its
	 * records wait for (or, after a crash, be dropped before) another
	 * producer's next state. */
	bool state_commits;
} yg_spool_config;

typedef struct yg_spool_stats {
	uint64_t last_seq;            /* seq of the newest record ever appended, 0 if none */
	uint64_t acked_seq;           /* everything <= this is committed by the manager */
	uint64_t records_pending;     /* records on disk after acked_seq */
	uint64_t bytes;               /* bytes of segment files on disk (what max_bytes bounds) */
	uint64_t segments;            /* segment files on disk */
	uint64_t full_refusals;       /* appends refused with YG_ELIMIT since open */
	uint64_t truncated_bytes;     /* bytes of torn/corrupt tails dropped at open */
	uint64_t truncations;         /* segments truncated at open */
	uint64_t committed_seq;       /* last seq peek may hand out (= last_seq unless
	                                 state_commits) */
	uint64_t state_seq;           /* seq of the last record before the latest state
	                                 frame (0 without a state) */
	uint64_t state_frames;        /* state frames in the segment files */
	uint64_t state_bytes;         /* their bytes (part of `bytes`) */
	uint64_t uncommitted_dropped; /* records dropped at open because no state
	                                 committed them (state_commits) */
} yg_spool_stats;

typedef struct yg_spool yg_spool;

/* Opens (creating it 0700 if missing) the spool in `dir` and recovers its
 * state: reads the acked seq, scans every segment, truncates torn tails and
 * deletes fully acked segments, reporting what it repaired into diag (may be
 * NULL) as warnings. `config` may be NULL for the defaults. Takes an exclusive
 * lock on the directory: a second open of the same dir fails with YG_EIO.
 * Returns YG_EINVAL for a bad config, YG_EIO when the directory cannot be
 * used, YG_ENOMEM. */
yg_err yg_spool_open(const char *dir, const yg_spool_config *config, yg_diag *diag, yg_spool **out);

/* Syncs pending data and closes; NULL is a no-op. */
void yg_spool_close(yg_spool *sp);

/* Appends one record of `len` bytes (0 allowed, at most YG_SPOOL_MAX_RECORD)
 * and stores its seq in *seq_out (may be NULL). Returns YG_ELIMIT when the
 * spool is full (back-pressure: nothing was written), YG_EINVAL when the
 * record is too large, YG_EIO when the disk write failed (the segment is put
 * back as it was). */
yg_err yg_spool_append(yg_spool *sp, const void *rec, size_t len, uint64_t *seq_out);

/* Appends a state frame carrying `len` bytes of the caller's state (0
 * allowed, at most YG_SPOOL_MAX_STATE); it becomes the latest state and
 * covers every record appended before it (with state_commits: commits
 * them). It takes no seq. Durable with the records before it at the next
 * fsync (yg_spool_sync, or the fsync policy, which counts it as an append).
 * A state equal to the latest one with no record appended since is a no-op.
 * The bound: a state frame that covers new records is always accepted (it
 * may pass max_bytes by that one frame, since records are then refused
 * until acks free room), any other must fit: YG_ELIMIT otherwise (nothing
 * written; keep the state and put it again later). YG_EINVAL for a bad
 * argument, YG_ENOMEM, YG_EIO when the write failed (the latest state on
 * disk is then the previous one, or an earlier one covering the same
 * records). */
yg_err yg_spool_put_state(yg_spool *sp, const void *blob, size_t len);

/* The latest state: the one last put, or after open the last one found on
 * disk. *blob points to the spool's copy (valid until the next put_state or
 * close; do not free), *len its length. Returns YG_ENOTFOUND (and NULL, 0)
 * when the spool holds no state. */
yg_err yg_spool_state(yg_spool *sp, const void **blob, size_t *len);

/* Called by peek for each record in order; return 0 to go on, non-zero to
 * stop. `rec` is valid only during the call. */
typedef int (*yg_spool_cb)(void *ctx, uint64_t seq, const void *rec, size_t len);

/* Calls cb for the records with seq > after_seq, in order, at most
 * max_records of them and as long as their total size stays <= max_bytes (the
 * first record is always delivered, whatever its size); 0 means no limit for
 * either. Records already acked are never delivered, even if after_seq is
 * lower. Fsyncs the records first (see Durability). *n_out (may be NULL)
 * gets the number delivered. Returns YG_EIO when a record on disk is found
 * damaged since open (reopening truncates it). */
yg_err yg_spool_peek(yg_spool *sp, uint64_t after_seq, size_t max_records, size_t max_bytes,
                     yg_spool_cb cb, void *ctx, size_t *n_out);

/* Records that the manager committed every record <= seq: persists it and
 * deletes segments holding only acked records. An ack at or below the
 * current one is a no-op; YG_EINVAL when seq > last_seq (with
 * state_commits: > committed_seq); YG_EIO when the acked file cannot be
 * written (nothing changed), or when the state file cannot be written
 * before the segment holding the latest state is deleted (the ack is
 * recorded; that segment and later ones are kept until the next ack). */
yg_err yg_spool_ack(yg_spool *sp, uint64_t seq);

/* Fsyncs the active segment (records and state frames) and the acked file
 * (the timer of YG_SPOOL_FSYNC_MANUAL). */
yg_err yg_spool_sync(yg_spool *sp);

void yg_spool_stats_get(yg_spool *sp, yg_spool_stats *out);

#endif
