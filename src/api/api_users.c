/* api_users.c: users and tokens of the API (see api_users.h). */
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/api_users.h"
#include "store/users.h"

#define SALT_LEN 16
#define HASH_LEN 32
#define TOKEN_BYTES 32
#define TTL_MAX (10L * 366 * 86400)
#define LABEL_MAX 128

_Static_assert(SALT_LEN == YG_USERS_SALT_LEN && HASH_LEN == YG_USERS_HASH_LEN,
               "the store keeps what this module derives");

struct yg_api_users {
	pthread_mutex_t mu;
	yg_users_db *db;
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
	char why[512];
	if (yg_users_db_open(path, &u->db, why, sizeof(why)) ||
	    RAND_bytes(u->dummy_salt, SALT_LEN) != 1) {
		if (diag)
			yg_diag_add(diag, YG_SEV_ERROR, path, 0, "api", "users database: %s",
			            u->db ? "no random bytes" : why);
		yg_users_db_close(u->db);
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
	yg_users_db_close(u->db);
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

/* Writes salt+hash of password for name (insert when `insert`). */
static yg_err store_password(yg_api_users *u, const char *name, const char *pw, yg_api_role role,
                             bool insert)
{
	yg_users_secret sec = {.role = (int)role, .iterations = YG_API_PBKDF2_ITER};
	if (RAND_bytes(sec.salt, SALT_LEN) != 1 ||
	    !derive(pw, sec.salt, YG_API_PBKDF2_ITER, sec.hash))
		return YG_EIO;
	pthread_mutex_lock(&u->mu);
	yg_err err = yg_users_db_put(u->db, name, &sec, (int64_t)now_of(u), insert);
	pthread_mutex_unlock(&u->mu);
	OPENSSL_cleanse(sec.hash, sizeof(sec.hash));
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
	yg_err err = yg_users_db_set_role(u->db, name, (int)role);
	pthread_mutex_unlock(&u->mu);
	return err;
}

yg_err yg_api_user_remove(yg_api_users *u, const char *name)
{
	if (!u || !yg_api_user_name_valid(name))
		return YG_EINVAL;
	pthread_mutex_lock(&u->mu);
	yg_err err = yg_users_db_remove(u->db, name);
	pthread_mutex_unlock(&u->mu);
	return err;
}

struct user_fn {
	int (*fn)(void *ctx, const char *name, yg_api_role role, int64_t created);
	void *ctx;
};

static int user_row(void *ctx, const char *name, int role, int64_t created)
{
	struct user_fn *uf = ctx;
	return uf->fn(uf->ctx, name, (yg_api_role)role, created);
}

yg_err yg_api_user_list(yg_api_users *u,
                        int (*fn)(void *ctx, const char *name, yg_api_role role, int64_t created),
                        void *ctx)
{
	if (!u || !fn)
		return YG_EINVAL;
	struct user_fn uf = {fn, ctx};
	pthread_mutex_lock(&u->mu);
	yg_err err = yg_users_db_list(u->db, user_row, &uf);
	pthread_mutex_unlock(&u->mu);
	return err;
}

yg_err yg_api_user_count_admins(yg_api_users *u, uint64_t *n)
{
	*n = 0;
	pthread_mutex_lock(&u->mu);
	yg_err err = yg_users_db_count_role(u->db, YG_API_ROLE_ADMIN, n);
	pthread_mutex_unlock(&u->mu);
	return err;
}

yg_err yg_api_token_count(yg_api_users *u, const char *name, uint64_t *n)
{
	*n = 0;
	pthread_mutex_lock(&u->mu);
	yg_err err = yg_users_db_token_count(u->db, name, (int64_t)now_of(u), n);
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
	yg_users_secret sec;
	pthread_mutex_lock(&u->mu);
	yg_err err = yg_users_db_get(u->db, name, &sec);
	pthread_mutex_unlock(&u->mu);
	if (err == YG_OK) {
		found = true;
		r = (yg_api_role)sec.role;
		memcpy(salt, sec.salt, SALT_LEN);
		iter = sec.iterations;
		memcpy(want, sec.hash, HASH_LEN);
		OPENSSL_cleanse(sec.hash, sizeof(sec.hash));
	} else if (err == YG_ENOTFOUND) {
		err = YG_OK;
	}
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
	yg_users_token t = {.user = name,
	                    .label = label,
	                    .session = session,
	                    .created = (int64_t)now,
	                    .expires = (int64_t)now + ttl};
	yg_err err = yg_users_db_token_put(u->db, hash, &t, id);
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
	yg_err err = yg_users_db_token_revoke(u->db, id, owner);
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
	/* The lookup is by the hash of a 256-bit secret, so its timing tells
	 * nothing useful about the token. */
	char n[YG_API_NAME_MAX + 1];
	int r = 0;
	int64_t tid = 0;
	bool sess = false;
	pthread_mutex_lock(&u->mu);
	yg_err err = yg_users_db_token_find(u->db, hash, (int64_t)now_of(u), n, sizeof(n), &r, &tid,
	                                    &sess);
	pthread_mutex_unlock(&u->mu);
	if (err)
		return err;
	if (!yg_api_role_name((yg_api_role)r))
		return YG_ENOTFOUND;
	memcpy(name, n, strlen(n) + 1);
	*role = (yg_api_role)r;
	if (id)
		*id = tid;
	if (session)
		*session = sess;
	return YG_OK;
}

struct token_fn {
	int (*fn)(void *ctx, const yg_api_token_info *t);
	void *ctx;
};

static int token_row(void *ctx, const yg_users_token *t)
{
	struct token_fn *tf = ctx;
	yg_api_token_info info = {.id = t->id,
	                          .user = t->user,
	                          .label = t->label,
	                          .session = t->session,
	                          .created = t->created,
	                          .expires = t->expires};
	return tf->fn(tf->ctx, &info);
}

yg_err yg_api_token_list(yg_api_users *u, const char *name,
                         int (*fn)(void *ctx, const yg_api_token_info *t), void *ctx)
{
	if (!u || !fn)
		return YG_EINVAL;
	struct token_fn tf = {fn, ctx};
	pthread_mutex_lock(&u->mu);
	yg_err err = yg_users_db_token_list(u->db, name, (int64_t)now_of(u), token_row, &tf);
	pthread_mutex_unlock(&u->mu);
	return err;
}
