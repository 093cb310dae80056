/* execd.c (store): the timeout list on disk (store/execd.h). Every value
 * is a bound parameter. */
#include "store/execd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/db_sql.h"

struct ex_store {
	yg_db *h;
	sqlite3 *db; /* h's connection */
};

static const yg_db_step schema[] = {
        {1,
         "CREATE TABLE IF NOT EXISTS ar_pending("
         " rkey TEXT PRIMARY KEY, program TEXT NOT NULL,"
         " message TEXT NOT NULL, added_ms INTEGER NOT NULL,"
         " seconds INTEGER NOT NULL)",
         NULL},
};

void ex_pending_free(ex_pending *p)
{
	if (!p)
		return;
	free(p->rkey);
	free(p->program);
	free(p->message);
	memset(p, 0, sizeof(*p));
}

yg_err ex_store_open(const char *path, ex_store **out, char *err, size_t errlen)
{
	*out = NULL;
	ex_store *st = calloc(1, sizeof(*st));
	if (!st)
		return YG_ENOMEM;
	yg_db_config cfg;
	yg_db_config_default(&cfg, path);
	cfg.busy_ms = 2000;
	yg_err e = yg_db_open(&cfg, NULL, &st->h);
	if (!e)
		e = yg_db_migrate(st->h, "execd", schema, sizeof(schema) / sizeof(schema[0]));
	if (e) {
		snprintf(err, errlen, "%s", st->h ? yg_db_errmsg(st->h) : "out of memory");
		ex_store_close(st);
		return e == YG_ENOMEM ? e : YG_EIO;
	}
	st->db = yg_db_sqlite(st->h);
	*out = st;
	return YG_OK;
}

void ex_store_close(ex_store *st)
{
	if (!st)
		return;
	yg_db_close(st->h);
	free(st);
}

static char *col_dup(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);
	return strdup(t ? (const char *)t : "");
}

yg_err ex_store_load(ex_store *st, ex_pending **v, size_t *n)
{
	*v = NULL;
	*n = 0;
	sqlite3_stmt *s = NULL;
	if (sqlite3_prepare_v2(st->db,
	                       "SELECT rkey, program, message, added_ms, seconds FROM ar_pending "
	                       "ORDER BY added_ms",
	                       -1, &s, NULL) != SQLITE_OK)
		return YG_EIO;
	yg_err rc = YG_OK;
	int r;
	while ((r = sqlite3_step(s)) == SQLITE_ROW) {
		ex_pending p = {
		        .rkey = col_dup(s, 0),
		        .program = col_dup(s, 1),
		        .message = col_dup(s, 2),
		        .added_ms = sqlite3_column_int64(s, 3),
		};
		sqlite3_int64 secs = sqlite3_column_int64(s, 4);
		p.seconds = secs < 0 ? 0 : secs > 0x7fffffff ? 0x7fffffff : (unsigned)secs;
		ex_pending *nv = realloc(*v, (*n + 1) * sizeof(*nv));
		if (!p.rkey || !p.program || !p.message || !nv) {
			if (nv)
				*v = nv;
			ex_pending_free(&p);
			rc = YG_ENOMEM;
			break;
		}
		*v = nv;
		nv[(*n)++] = p;
	}
	if (rc == YG_OK && r != SQLITE_DONE)
		rc = YG_EIO;
	sqlite3_finalize(s);
	return rc;
}

yg_err ex_store_put(ex_store *st, const ex_pending *p)
{
	sqlite3_stmt *s = NULL;
	if (sqlite3_prepare_v2(st->db,
	                       "INSERT OR REPLACE INTO ar_pending(rkey, program, message, "
	                       "added_ms, seconds) VALUES(?1, ?2, ?3, ?4, ?5)",
	                       -1, &s, NULL) != SQLITE_OK)
		return YG_EIO;
	sqlite3_bind_text(s, 1, p->rkey, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, p->program, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, p->message, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, p->added_ms);
	sqlite3_bind_int64(s, 5, p->seconds);
	int r = sqlite3_step(s);
	sqlite3_finalize(s);
	return r == SQLITE_DONE ? YG_OK : YG_EIO;
}

yg_err ex_store_del(ex_store *st, const char *rkey)
{
	sqlite3_stmt *s = NULL;
	if (sqlite3_prepare_v2(st->db, "DELETE FROM ar_pending WHERE rkey = ?1", -1, &s, NULL) !=
	    SQLITE_OK)
		return YG_EIO;
	sqlite3_bind_text(s, 1, rkey, -1, SQLITE_STATIC);
	int r = sqlite3_step(s);
	sqlite3_finalize(s);
	return r == SQLITE_DONE ? YG_OK : YG_EIO;
}
