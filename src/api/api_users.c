/* api_users.c: users and tokens of the API (see api_users.h). */
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/api_users.h"

#define SALT_LEN 16
#define HASH_LEN 32
#define TOKEN_BYTES 32
#define TTL_MAX (10L * 366 * 86400)
#define LABEL_MAX 128

static const char schema[] = "CREATE TABLE IF NOT EXISTS api_users("
                             " name TEXT PRIMARY KEY, role INTEGER NOT NULL, salt BLOB NOT NULL,"
                             " iterations INTEGER NOT NULL, hash BLOB NOT NULL,"
                             " created INTEGER NOT NULL, updated INTEGER NOT NULL);"
                             "CREATE TABLE IF NOT EXISTS api_tokens("
                             " id INTEGER PRIMARY KEY AUTOINCREMENT, hash BLOB NOT NULL UNIQUE,"
                             " user TEXT NOT NULL, session INTEGER NOT NULL, label TEXT NOT NULL,"
                             " created INTEGER NOT NULL, expires INTEGER NOT NULL);"
                             "CREATE INDEX IF NOT EXISTS api_tokens_user ON api_tokens(user);";

struct yg_api_users {
	pthread_mutex_t mu;
	sqlite3 *db;
	time_t (*clock)(void *ctx);
	void *clock_ctx;
	unsigned char dummy_salt[SALT_LEN]; /* for unknown users */
};

static const char *const role_names[] = {NULL, "read-only", "analyst", "admin"};

const char *yg_api_role_name(yg_api_role r)
{
	return r >= YG_API_ROLE_READ_ONLY && r <= YG_API_ROLE_ADMIN ? role_names[r] : NULL;
}

yg_api_role yg_api_role_parse(const char *s)
{
	for (int r = YG_API_ROLE_READ_ONLY; s && r <= YG_API_ROLE_ADMIN; r++)
		if (strcmp(s, role_names[r]) == 0)
			return (yg_api_role)r;
	return YG_API_ROLE_NONE;
}

static time_t now_of(yg_api_users *u)
{
	return u->clock ? u->clock(u->clock_ctx) : time(NULL);
}

void yg_api_users_set_clock(yg_api_users *u, time_t (*fn)(void *ctx), void *ctx)
{
	pthread_mutex_lock(&u->mu);
	u->clock = fn;
	u->clock_ctx = ctx;
	pthread_mutex_unlock(&u->mu);
}

yg_err yg_api_users_open(const char *path, yg_diag *diag, yg_api_users **out)
{
	*out = NULL;
	if (!path || !path[0])
		return YG_EINVAL;
	/* Create the file 0600 ourselves: SQLite would follow the umask. */
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		if (diag)
			yg_diag_add(diag, YG_SEV_ERROR, path, 0, "api",
			            "cannot open users database");
		return YG_EIO;
	}
	close(fd);
	yg_api_users *u = calloc(1, sizeof(*u));
	if (!u)
		return YG_ENOMEM;
	char *msg = NULL;
	if (sqlite3_open_v2(path, &u->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
	            SQLITE_OK ||
	    sqlite3_busy_timeout(u->db, 5000) != SQLITE_OK ||
	    sqlite3_exec(u->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;", NULL, NULL,
	                 &msg) != SQLITE_OK ||
	    sqlite3_exec(u->db, schema, NULL, NULL, &msg) != SQLITE_OK ||
	    RAND_bytes(u->dummy_salt, SALT_LEN) != 1) {
		if (diag)
			yg_diag_add(diag, YG_SEV_ERROR, path, 0, "api", "users database: %s",
			            msg     ? msg
			            : u->db ? sqlite3_errmsg(u->db)
			                    : "out of memory");
		sqlite3_free(msg);
		sqlite3_close(u->db);
		free(u);
		return YG_EIO;
	}
	pthread_mutex_init(&u->mu, NULL);
	*out = u;
	return YG_OK;
}

void yg_api_users_close(yg_api_users *u)
{
	if (!u)
		return;
	sqlite3_close(u->db);
	pthread_mutex_destroy(&u->mu);
	free(u);
}

bool yg_api_user_name_valid(const char *name)
{
	size_t n = name ? strlen(name) : 0;
	if (n == 0 || n > YG_API_NAME_MAX)
		return false;
	for (const char *p = name; *p; p++) {
		char c = *p;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-' || c == '@'))
			return false;
	}
	return true;
}

bool yg_api_password_valid(const char *pw)
{
	size_t n = pw ? strlen(pw) : 0;
	if (n < 8 || n > 1024)
		return false;
	for (const unsigned char *p = (const unsigned char *)pw; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

static bool derive(const char *pw, const unsigned char *salt, int iter, unsigned char *out)
{
	return PKCS5_PBKDF2_HMAC(pw, (int)strlen(pw), salt, SALT_LEN, iter, EVP_sha256(), HASH_LEN,
	                         out) == 1;
}

/* Runs one statement with text binds (?1..?n, NULL skipped), returning
 * SQLITE_DONE/ROW/error; for statements without results. */
static int exec_bind(sqlite3 *db, const char *sql, int n, const char *const *v)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return SQLITE_ERROR;
	for (int i = 0; i < n; i++)
		if (v[i])
			sqlite3_bind_text(st, i + 1, v[i], -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc;
}

/* Writes salt+hash of password for name (insert when `insert`). */
static yg_err store_password(yg_api_users *u, const char *name, const char *pw, yg_api_role role,
                             bool insert)
{
	unsigned char salt[SALT_LEN], hash[HASH_LEN];
	if (RAND_bytes(salt, SALT_LEN) != 1 || !derive(pw, salt, YG_API_PBKDF2_ITER, hash))
		return YG_EIO;
	const char *sql = insert ? "INSERT INTO api_users(name, role, salt, iterations, hash,"
	                           " created, updated) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)"
	                         : "UPDATE api_users SET salt = ?3, iterations = ?4, hash = ?5,"
	                           " updated = ?6 WHERE name = ?1";
	sqlite3_stmt *st = NULL;
	yg_err err = YG_EIO;
	pthread_mutex_lock(&u->mu);
	bool tx = sqlite3_exec(u->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK;
	if (tx && sqlite3_prepare_v2(u->db, sql, -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		if (insert)
			sqlite3_bind_int(st, 2, (int)role);
		sqlite3_bind_blob(st, 3, salt, SALT_LEN, SQLITE_STATIC);
		sqlite3_bind_int(st, 4, YG_API_PBKDF2_ITER);
		sqlite3_bind_blob(st, 5, hash, HASH_LEN, SQLITE_STATIC);
		sqlite3_bind_int64(st, 6, (int64_t)now_of(u));
		int rc = sqlite3_step(st);
		if (rc == SQLITE_CONSTRAINT)
			err = YG_EINVAL; /* the name is taken */
		else if (rc == SQLITE_DONE)
			err = insert || sqlite3_changes(u->db) ? YG_OK : YG_ENOTFOUND;
	}
	sqlite3_finalize(st);
	if (!err && !insert) {
		/* Every token goes, API tokens too: whoever knew the old password
		 * may have minted one, and it must not outlive the change. */
		const char *v[] = {name};
		if (exec_bind(u->db, "DELETE FROM api_tokens WHERE user = ?1", 1, v) != SQLITE_DONE)
			err = YG_EIO;
	}
	if (tx)
		sqlite3_exec(u->db, err ? "ROLLBACK" : "COMMIT", NULL, NULL, NULL);
	pthread_mutex_unlock(&u->mu);
	OPENSSL_cleanse(hash, sizeof(hash));
	return err;
}

yg_err yg_api_user_add(yg_api_users *u, const char *name, const char *password, yg_api_role role)
{
	if (!u || !yg_api_user_name_valid(name) || !yg_api_password_valid(password) ||
	    !yg_api_role_name(role))
		return YG_EINVAL;
	return store_password(u, name, password, role, true);
}

yg_err yg_api_user_passwd(yg_api_users *u, const char *name, const char *password)
{
	if (!u || !yg_api_user_name_valid(name) || !yg_api_password_valid(password))
		return YG_EINVAL;
	return store_password(u, name, password, YG_API_ROLE_NONE, false);
}

yg_err yg_api_user_set_role(yg_api_users *u, const char *name, yg_api_role role)
{
	if (!u || !yg_api_user_name_valid(name) || !yg_api_role_name(role))
		return YG_EINVAL;
	pthread_mutex_lock(&u->mu);
	sqlite3_stmt *st = NULL;
	yg_err err = YG_EIO;
	if (sqlite3_prepare_v2(u->db, "UPDATE api_users SET role = ?2 WHERE name = ?1", -1, &st,
	                       NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 2, (int)role);
		if (sqlite3_step(st) == SQLITE_DONE)
			err = sqlite3_changes(u->db) ? YG_OK : YG_ENOTFOUND;
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&u->mu);
	return err;
}

yg_err yg_api_user_remove(yg_api_users *u, const char *name)
{
	if (!u || !yg_api_user_name_valid(name))
		return YG_EINVAL;
	const char *v[] = {name};
	pthread_mutex_lock(&u->mu);
	yg_err err = YG_EIO;
	if (sqlite3_exec(u->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK) {
		if (exec_bind(u->db, "DELETE FROM api_users WHERE name = ?1", 1, v) ==
		    SQLITE_DONE) {
			err = sqlite3_changes(u->db) ? YG_OK : YG_ENOTFOUND;
			if (!err && exec_bind(u->db, "DELETE FROM api_tokens WHERE user = ?1", 1,
			                      v) != SQLITE_DONE)
				err = YG_EIO;
		}
		sqlite3_exec(u->db, err ? "ROLLBACK" : "COMMIT", NULL, NULL, NULL);
	}
	pthread_mutex_unlock(&u->mu);
	return err;
}

yg_err yg_api_user_list(yg_api_users *u,
                        int (*fn)(void *ctx, const char *name, yg_api_role role, int64_t created),
                        void *ctx)
{
	if (!u || !fn)
		return YG_EINVAL;
	pthread_mutex_lock(&u->mu);
	sqlite3_stmt *st = NULL;
	yg_err err = YG_EIO;
	if (sqlite3_prepare_v2(u->db, "SELECT name, role, created FROM api_users ORDER BY name", -1,
	                       &st, NULL) == SQLITE_OK) {
		int rc;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW)
			if (fn(ctx, (const char *)sqlite3_column_text(st, 0),
			       (yg_api_role)sqlite3_column_int(st, 1), sqlite3_column_int64(st, 2)))
				break;
		err = rc == SQLITE_ROW || rc == SQLITE_DONE ? YG_OK : YG_EIO;
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&u->mu);
	return err;
}

yg_err yg_api_user_count_admins(yg_api_users *u, uint64_t *n)
{
	*n = 0;
	pthread_mutex_lock(&u->mu);
	sqlite3_stmt *st = NULL;
	yg_err err = YG_EIO;
	if (sqlite3_prepare_v2(u->db, "SELECT count(*) FROM api_users WHERE role = ?1", -1, &st,
	                       NULL) == SQLITE_OK) {
		sqlite3_bind_int(st, 1, YG_API_ROLE_ADMIN);
		if (sqlite3_step(st) == SQLITE_ROW) {
			*n = (uint64_t)sqlite3_column_int64(st, 0);
			err = YG_OK;
		}
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&u->mu);
	return err;
}

yg_err yg_api_token_count(yg_api_users *u, const char *name, uint64_t *n)
{
	*n = 0;
	pthread_mutex_lock(&u->mu);
	sqlite3_stmt *st = NULL;
	yg_err err = YG_EIO;
	if (sqlite3_prepare_v2(u->db,
	                       "SELECT count(*) FROM api_tokens WHERE user = ?1 AND session = 0"
	                       " AND expires > ?2",
	                       -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, (int64_t)now_of(u));
		if (sqlite3_step(st) == SQLITE_ROW) {
			*n = (uint64_t)sqlite3_column_int64(st, 0);
			err = YG_OK;
		}
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&u->mu);
	return err;
}

yg_err yg_api_user_check(yg_api_users *u, const char *name, const char *password, yg_api_role *role)
{
	*role = YG_API_ROLE_NONE;
	if (!u || !name || !password || strlen(password) > 1024)
		return YG_ENOTFOUND;
	unsigned char salt[SALT_LEN], want[HASH_LEN], got[HASH_LEN];
	int iter = YG_API_PBKDF2_ITER;
	bool found = false;
	yg_api_role r = YG_API_ROLE_NONE;
	memcpy(salt, u->dummy_salt, SALT_LEN);
	memset(want, 0, sizeof(want));
	pthread_mutex_lock(&u->mu);
	sqlite3_stmt *st = NULL;
	yg_err err = YG_OK;
	if (sqlite3_prepare_v2(u->db,
	                       "SELECT role, salt, iterations, hash FROM api_users WHERE name = ?1",
	                       -1, &st, NULL) != SQLITE_OK)
		err = YG_EIO;
	else {
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		int rc = sqlite3_step(st);
		if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 1) == SALT_LEN &&
		    sqlite3_column_bytes(st, 3) == HASH_LEN) {
			found = true;
			r = (yg_api_role)sqlite3_column_int(st, 0);
			memcpy(salt, sqlite3_column_blob(st, 1), SALT_LEN);
			iter = sqlite3_column_int(st, 2);
			memcpy(want, sqlite3_column_blob(st, 3), HASH_LEN);
		} else if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			err = YG_EIO;
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&u->mu);
	if (err)
		return err;
	if (iter < 1 || iter > 10000000)
		iter = YG_API_PBKDF2_ITER;
	/* Derive even for an unknown user, so timing does not tell. */
	bool ok = derive(password, salt, iter, got) && CRYPTO_memcmp(got, want, HASH_LEN) == 0;
	OPENSSL_cleanse(got, sizeof(got));
	OPENSSL_cleanse(want, sizeof(want));
	if (!ok || !found || !yg_api_role_name(r))
		return YG_ENOTFOUND;
	*role = r;
	return YG_OK;
}

/* ---- tokens ---- */

static bool token_hash(const char *token, unsigned char out[HASH_LEN])
{
	if (strlen(token) != YG_API_TOKEN_LEN - 1 || strncmp(token, "yga_", 4) != 0)
		return false;
	for (const char *p = token + 4; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	unsigned int n = 0;
	return EVP_Digest(token, YG_API_TOKEN_LEN - 1, out, &n, EVP_sha256(), NULL) == 1 &&
	       n == HASH_LEN;
}

yg_err yg_api_token_create(yg_api_users *u, const char *name, long ttl, bool session,
                           const char *label, char token[YG_API_TOKEN_LEN], int64_t *id,
                           time_t *expires)
{
	token[0] = '\0';
	if (!u || !yg_api_user_name_valid(name) || ttl < 1 || ttl > TTL_MAX ||
	    (label && strlen(label) > LABEL_MAX))
		return YG_EINVAL;
	unsigned char raw[TOKEN_BYTES], hash[HASH_LEN];
	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return YG_EIO;
	static const char hex[] = "0123456789abcdef";
	memcpy(token, "yga_", 4);
	for (size_t i = 0; i < TOKEN_BYTES; i++) {
		token[4 + 2 * i] = hex[raw[i] >> 4];
		token[5 + 2 * i] = hex[raw[i] & 15];
	}
	token[YG_API_TOKEN_LEN - 1] = '\0';
	OPENSSL_cleanse(raw, sizeof(raw));
	if (!token_hash(token, hash))
		return YG_EIO;
	pthread_mutex_lock(&u->mu);
	time_t now = now_of(u);
	sqlite3_stmt *st = NULL;
	yg_err err = YG_EIO;
	/* Forget expired tokens while we are here. */
	sqlite3_stmt *gc = NULL;
	if (sqlite3_prepare_v2(u->db, "DELETE FROM api_tokens WHERE expires <= ?1", -1, &gc,
	                       NULL) == SQLITE_OK) {
		sqlite3_bind_int64(gc, 1, (int64_t)now);
		(void)sqlite3_step(gc);
	}
	sqlite3_finalize(gc);
	if (sqlite3_prepare_v2(
	            u->db,
	            "INSERT INTO api_tokens(hash, user, session, label, created, expires)"
	            " SELECT ?1, name, ?3, ?4, ?5, ?6 FROM api_users WHERE name = ?2",
	            -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_blob(st, 1, hash, HASH_LEN, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 3, session ? 1 : 0);
		sqlite3_bind_text(st, 4, label ? label : "", -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 5, (int64_t)now);
		sqlite3_bind_int64(st, 6, (int64_t)now + ttl);
		if (sqlite3_step(st) == SQLITE_DONE)
			err = sqlite3_changes(u->db) ? YG_OK : YG_ENOTFOUND;
	}
	sqlite3_finalize(st);
	if (!err && id)
		*id = sqlite3_last_insert_rowid(u->db);
	pthread_mutex_unlock(&u->mu);
	if (err)
		OPENSSL_cleanse(token, YG_API_TOKEN_LEN);
	else if (expires)
		*expires = now + ttl;
	return err;
}

yg_err yg_api_token_revoke(yg_api_users *u, int64_t id, const char *owner)
{
	if (!u || id <= 0)
		return YG_EINVAL;
	pthread_mutex_lock(&u->mu);
	sqlite3_stmt *st = NULL;
	yg_err err = YG_EIO;
	if (sqlite3_prepare_v2(u->db,
	                       "DELETE FROM api_tokens WHERE id = ?1 AND (?2 IS NULL OR user = ?2)",
	                       -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, id);
		if (owner)
			sqlite3_bind_text(st, 2, owner, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_DONE)
			err = sqlite3_changes(u->db) ? YG_OK : YG_ENOTFOUND;
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&u->mu);
	return err;
}

yg_err yg_api_token_check(yg_api_users *u, const char *token, char name[YG_API_NAME_MAX + 1],
                          yg_api_role *role, int64_t *id, bool *session)
{
	name[0] = '\0';
	*role = YG_API_ROLE_NONE;
	if (session)
		*session = false;
	unsigned char hash[HASH_LEN];
	if (!u || !token || !token_hash(token, hash))
		return YG_ENOTFOUND;
	pthread_mutex_lock(&u->mu);
	sqlite3_stmt *st = NULL;
	yg_err err = YG_EIO;
	/* The lookup is by the hash of a 256-bit secret, so its timing tells
	 * nothing useful about the token. */
	if (sqlite3_prepare_v2(
	            u->db,
	            "SELECT t.id, u.name, u.role, t.session FROM api_tokens t JOIN api_users u"
	            " ON u.name = t.user WHERE t.hash = ?1 AND t.expires > ?2",
	            -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_blob(st, 1, hash, HASH_LEN, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, (int64_t)now_of(u));
		int rc = sqlite3_step(st);
		const char *n = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 1) : NULL;
		yg_api_role r = rc == SQLITE_ROW ? (yg_api_role)sqlite3_column_int(st, 2) : 0;
		if (n && strlen(n) <= YG_API_NAME_MAX && yg_api_role_name(r)) {
			memcpy(name, n, strlen(n) + 1);
			*role = r;
			if (id)
				*id = sqlite3_column_int64(st, 0);
			if (session)
				*session = sqlite3_column_int(st, 3) != 0;
			err = YG_OK;
		} else if (rc == SQLITE_ROW || rc == SQLITE_DONE)
			err = YG_ENOTFOUND;
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&u->mu);
	return err;
}

yg_err yg_api_token_list(yg_api_users *u, const char *name,
                         int (*fn)(void *ctx, const yg_api_token_info *t), void *ctx)
{
	if (!u || !fn)
		return YG_EINVAL;
	pthread_mutex_lock(&u->mu);
	sqlite3_stmt *st = NULL;
	yg_err err = YG_EIO;
	if (sqlite3_prepare_v2(u->db,
	                       "SELECT id, user, label, session, created, expires FROM api_tokens"
	                       " WHERE expires > ?1 AND (?2 IS NULL OR user = ?2) ORDER BY id",
	                       -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, (int64_t)now_of(u));
		if (name)
			sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
		int rc;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			yg_api_token_info t = {
			        .id = sqlite3_column_int64(st, 0),
			        .user = (const char *)sqlite3_column_text(st, 1),
			        .label = (const char *)sqlite3_column_text(st, 2),
			        .session = sqlite3_column_int(st, 3) != 0,
			        .created = sqlite3_column_int64(st, 4),
			        .expires = sqlite3_column_int64(st, 5),
			};
			if (fn(ctx, &t))
				break;
		}
		err = rc == SQLITE_ROW || rc == SQLITE_DONE ? YG_OK : YG_EIO;
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&u->mu);
	return err;
}
