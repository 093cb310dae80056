/* users.h (store): the REST API's users and tokens in SQLite.
 *
 * Rows only: the API (api/api_users.h) derives and compares password
 * hashes, makes tokens and checks names; these calls keep and find what it
 * computed. A user row holds its role, PBKDF2 salt, iteration count and
 * hash; a token row the SHA-256 of the token, its user, whether it is a
 * session, a label and its expiry. One thread at a time (the API locks).
 * WAL, synchronous=FULL. Schema component "users"; version 1 is the schema
 * written before versions were recorded. */
#ifndef YAGURA_STORE_USERS_H
#define YAGURA_STORE_USERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/yerr.h"

#define YG_USERS_SALT_LEN 16
#define YG_USERS_HASH_LEN 32

typedef struct yg_users_db yg_users_db;

/* Opens the existing file path (the caller creates it with its mode);
 * err gets a reason. */
yg_err yg_users_db_open(const char *path, yg_users_db **out, char *err, size_t errlen);
void yg_users_db_close(yg_users_db *db);

typedef struct yg_users_secret {
	int role;
	unsigned char salt[YG_USERS_SALT_LEN];
	int iterations;
	unsigned char hash[YG_USERS_HASH_LEN];
} yg_users_secret;

/* Inserts user name with s (role included; YG_EINVAL when the name is
 * taken), or, when !insert, replaces its salt, iterations and hash and
 * deletes all its tokens (YG_ENOTFOUND when no such user); one
 * transaction. */
yg_err yg_users_db_put(yg_users_db *db, const char *name, const yg_users_secret *s, int64_t now,
                       bool insert);
/* YG_OK, YG_ENOTFOUND (or a row of the wrong shape), YG_EIO. */
yg_err yg_users_db_get(yg_users_db *db, const char *name, yg_users_secret *out);
yg_err yg_users_db_set_role(yg_users_db *db, const char *name, int role);
/* Deletes the user and its tokens; YG_ENOTFOUND when no such user. */
yg_err yg_users_db_remove(yg_users_db *db, const char *name);
/* Users by name; fn returns nonzero to stop. */
yg_err yg_users_db_list(yg_users_db *db,
                        int (*fn)(void *ctx, const char *name, int role, int64_t created),
                        void *ctx);
yg_err yg_users_db_count_role(yg_users_db *db, int role, uint64_t *n);

typedef struct yg_users_token {
	int64_t id;
	const char *user;
	const char *label;
	bool session;
	int64_t created, expires;
} yg_users_token;

/* Forgets tokens expired at now, then adds one for user t->user (if it
 * exists: else YG_ENOTFOUND); *id gets its id. */
yg_err yg_users_db_token_put(yg_users_db *db, const unsigned char hash[YG_USERS_HASH_LEN],
                             const yg_users_token *t, int64_t *id);
/* Non-session tokens of name valid at now. */
yg_err yg_users_db_token_count(yg_users_db *db, const char *name, int64_t now, uint64_t *n);
/* Deletes token id (only owner's when owner is not NULL); YG_ENOTFOUND. */
yg_err yg_users_db_token_revoke(yg_users_db *db, int64_t id, const char *owner);
/* The token with that hash valid at now: its id, session flag, and its
 * user's name (copied into name, cap bytes; YG_ENOTFOUND when longer) and
 * role. */
yg_err yg_users_db_token_find(yg_users_db *db, const unsigned char hash[YG_USERS_HASH_LEN],
                              int64_t now, char *name, size_t cap, int *role, int64_t *id,
                              bool *session);
/* Tokens valid at now, of name (all when NULL), by id; fn returns nonzero
 * to stop. The row's strings are valid during the call. */
yg_err yg_users_db_token_list(yg_users_db *db, const char *name, int64_t now,
                              int (*fn)(void *ctx, const yg_users_token *t), void *ctx);

#endif
