/* api_users.h: the API's users and tokens, in SQLite.
 *
 * Users have a role: admin > analyst > read-only. Passwords are stored as
 * PBKDF2-HMAC-SHA256 (OpenSSL) with a random 16-byte salt and
 * YG_API_PBKDF2_ITER iterations; checks compare in constant time, and an
 * unknown user costs as much as a wrong password.
 *
 * Tokens are "yga_" + 64 hex digits (32 random bytes); only their SHA-256 is
 * stored. Session tokens come from signing in and last 12 h; API tokens for
 * scripts are created with a chosen lifetime. Either can be revoked by id.
 * Removing a user or changing their password revokes every token of
 * theirs, sessions and API tokens alike.
 *
 * These functions are what `yagura ctl` calls on the users database, and
 * what the server calls while answering. Thread-safe (one connection behind
 * a mutex); several processes may use the same file (WAL, busy timeout). */
#ifndef YAGURA_API_USERS_H
#define YAGURA_API_USERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "common/ydiag.h"
#include "common/yerr.h"

#define YG_API_PBKDF2_ITER 210000
#define YG_API_SESSION_TTL (12 * 3600)
#define YG_API_TOKEN_LEN 69 /* "yga_" + 64 hex + NUL */
#define YG_API_NAME_MAX 64

typedef enum yg_api_role {
	YG_API_ROLE_NONE = 0,
	YG_API_ROLE_READ_ONLY = 1,
	YG_API_ROLE_ANALYST = 2,
	YG_API_ROLE_ADMIN = 3,
} yg_api_role;

/* "read-only", "analyst", "admin" (NULL for NONE); and back (NONE when
 * unknown). */
const char *yg_api_role_name(yg_api_role r);
yg_api_role yg_api_role_parse(const char *s);

typedef struct yg_api_users yg_api_users;

/* Opens or creates the database (mode 0600 when created). */
yg_err yg_api_users_open(const char *path, yg_diag *diag, yg_api_users **out);
void yg_api_users_close(yg_api_users *u);

/* Seconds since the epoch; tests inject their own. NULL: wall clock. */
void yg_api_users_set_clock(yg_api_users *u, time_t (*fn)(void *ctx), void *ctx);

/* A valid user name: 1..64 of [A-Za-z0-9._@-]. A valid password: 8..1024
 * bytes, no control characters. */
bool yg_api_user_name_valid(const char *name);
bool yg_api_password_valid(const char *pw);

/* YG_EINVAL: bad name, password or role, or the name is taken. */
yg_err yg_api_user_add(yg_api_users *u, const char *name, const char *password, yg_api_role role);
/* New password; revokes every token of the user. YG_ENOTFOUND when unknown. */
yg_err yg_api_user_passwd(yg_api_users *u, const char *name, const char *password);
yg_err yg_api_user_set_role(yg_api_users *u, const char *name, yg_api_role role);
/* Removes the user and every token of theirs. YG_ENOTFOUND when unknown. */
yg_err yg_api_user_remove(yg_api_users *u, const char *name);

/* Calls fn for each user in name order (stop by returning non-zero). */
yg_err yg_api_user_list(yg_api_users *u,
                        int (*fn)(void *ctx, const char *name, yg_api_role role, int64_t created),
                        void *ctx);
/* Number of users with the admin role. */
yg_err yg_api_user_count_admins(yg_api_users *u, uint64_t *n);

/* Checks a password. YG_OK and *role on success; YG_ENOTFOUND for an
 * unknown user or a wrong password alike (same cost). */
yg_err yg_api_user_check(yg_api_users *u, const char *name, const char *password,
                         yg_api_role *role);

/* ---- tokens ---- */

/* Creates a token for `name`, valid ttl seconds (1 .. 10 years); the
 * plaintext goes to token (shown once), its id to *id (may be NULL), its
 * expiry to *expires (may be NULL). session: a sign-in token (revoked with
 * the password) rather than an API token. label (may be NULL) is kept for
 * listings, at most 128 bytes. YG_ENOTFOUND for an unknown user. */
yg_err yg_api_token_create(yg_api_users *u, const char *name, long ttl, bool session,
                           const char *label, char token[YG_API_TOKEN_LEN], int64_t *id,
                           time_t *expires);
/* Revokes token `id`; when owner is not NULL it must be the token's user.
 * YG_ENOTFOUND otherwise. */
yg_err yg_api_token_revoke(yg_api_users *u, int64_t id, const char *owner);

/* Who holds this token. YG_ENOTFOUND when unknown, malformed, expired or
 * revoked. name gets the user (YG_API_NAME_MAX + 1 bytes); *session (may
 * be NULL) whether it is a sign-in token. */
yg_err yg_api_token_check(yg_api_users *u, const char *token, char name[YG_API_NAME_MAX + 1],
                          yg_api_role *role, int64_t *id, bool *session);
/* API tokens (not sessions) the user holds that have not expired. */
yg_err yg_api_token_count(yg_api_users *u, const char *name, uint64_t *n);

typedef struct yg_api_token_info {
	int64_t id;
	const char *user;
	const char *label;
	bool session;
	int64_t created, expires; /* epoch seconds */
} yg_api_token_info;

/* Tokens not yet expired, of one user (or all when name is NULL). */
yg_err yg_api_token_list(yg_api_users *u, const char *name,
                         int (*fn)(void *ctx, const yg_api_token_info *t), void *ctx);

#endif
