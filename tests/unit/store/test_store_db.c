/* test_store_db.c: src/store/db.c: opening with a config, schema versions and
 * migrations (from a file written before versions were recorded), the
 * transaction type, the statement cache and the error messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "store/db_sql.h"

typedef struct fx {
	char dir[64];
	char path[128];
} fx;

static int setup(void **state)
{
	fx *f = calloc(1, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/yg_store_db_XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/t.db", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static yg_db *open_default(const char *path)
{
	yg_db_config cfg;
	yg_db_config_default(&cfg, path);
	yg_db *db = NULL;
	assert_int_equal(yg_db_open(&cfg, NULL, &db), YG_OK);
	return db;
}

static long long pragma(yg_db *db, const char *name)
{
	char sql[64];
	snprintf(sql, sizeof(sql), "PRAGMA %s", name);
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(yg_db_sqlite(db), sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	long long v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void test_open_applies_config(void **state)
{
	fx *f = *state;
	yg_db_config cfg;
	yg_db_config_default(&cfg, f->path);
	cfg.sync = YG_DB_SYNC_NORMAL;
	cfg.foreign_keys = true;
	cfg.cache_kib = 4096;
	cfg.busy_ms = 1234;
	yg_db *db = NULL;
	assert_int_equal(yg_db_open(&cfg, NULL, &db), YG_OK);
	assert_int_equal(pragma(db, "synchronous"), 1); /* NORMAL */
	assert_int_equal(pragma(db, "foreign_keys"), 1);
	assert_int_equal(pragma(db, "cache_size"), -4096);
	assert_int_equal(pragma(db, "busy_timeout"), 1234);
	sqlite3_stmt *st = NULL;
	sqlite3_prepare_v2(yg_db_sqlite(db), "PRAGMA journal_mode", -1, &st, NULL);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
	sqlite3_finalize(st);
	yg_db_close(db);

	yg_db_config_default(&cfg, f->path);
	assert_int_equal(yg_db_open(&cfg, NULL, &db), YG_OK);
	assert_int_equal(pragma(db, "synchronous"), 2); /* FULL, the default */
	assert_int_equal(pragma(db, "foreign_keys"), 0);
	yg_db_close(db);
}

static void test_open_errors_name_the_file(void **state)
{
	fx *f = *state;
	char missing[160];
	snprintf(missing, sizeof(missing), "%s/no/such/dir/x.db", f->dir);
	yg_db_config cfg;
	yg_db_config_default(&cfg, missing);
	yg_diag *d = yg_diag_create();
	yg_db *db = NULL;
	assert_int_equal(yg_db_open(&cfg, d, &db), YG_EIO);
	assert_null(db);
	assert_int_equal(yg_diag_errors(d), 1);
	const yg_diag_entry *e = yg_diag_get(d, 0);
	assert_string_equal(e->file, missing);
	assert_non_null(strstr(e->message, "cannot open"));
	yg_diag_destroy(d);

	/* not created when create is off */
	yg_db_config_default(&cfg, f->path);
	cfg.create = false;
	assert_int_equal(yg_db_open(&cfg, NULL, &db), YG_EIO);
	assert_int_equal(access(f->path, F_OK), -1);
	cfg.path = NULL;
	assert_int_equal(yg_db_open(&cfg, NULL, &db), YG_EINVAL);
}

static const yg_db_step steps_v1[] = {
        {1, "CREATE TABLE IF NOT EXISTS things(k TEXT PRIMARY KEY, v INTEGER NOT NULL)", NULL},
};

static yg_err fill_w(yg_db *db)
{
	return yg_db_exec(db, "UPDATE things SET w = v * 2");
}

static const yg_db_step steps_v3[] = {
        {1, "CREATE TABLE IF NOT EXISTS things(k TEXT PRIMARY KEY, v INTEGER NOT NULL)", NULL},
        {2, "ALTER TABLE things ADD COLUMN w INTEGER NOT NULL DEFAULT 0", fill_w},
        {3, "CREATE INDEX things_w ON things(w)", NULL},
};

static void test_migrate_fresh(void **state)
{
	fx *f = *state;
	yg_db *db = open_default(f->path);
	int v = -1;
	assert_int_equal(yg_db_schema_version(db, "things", &v), YG_OK);
	assert_int_equal(v, 0);
	assert_int_equal(yg_db_migrate(db, "things", steps_v3, 3), YG_OK);
	assert_int_equal(yg_db_schema_version(db, "things", &v), YG_OK);
	assert_int_equal(v, 3);
	/* again: nothing to do, still 3 */
	assert_int_equal(yg_db_migrate(db, "things", steps_v3, 3), YG_OK);
	assert_int_equal(yg_db_schema_version(db, "things", &v), YG_OK);
	assert_int_equal(v, 3);
	/* another component in the same file has its own version */
	assert_int_equal(yg_db_migrate(db, "other", steps_v1, 1), YG_OK);
	assert_int_equal(yg_db_schema_version(db, "other", &v), YG_OK);
	assert_int_equal(v, 1);
	yg_db_close(db);
}

/* A file written before versions were recorded: the table exists with
 * rows, yg_schema does not. Version 1 is recognised, 2 and 3 applied in
 * place, the rows kept. */
static void test_migrate_unversioned_file(void **state)
{
	fx *f = *state;
	sqlite3 *raw = NULL;
	assert_int_equal(sqlite3_open(f->path, &raw), SQLITE_OK);
	assert_int_equal(sqlite3_exec(raw,
	                              "CREATE TABLE things(k TEXT PRIMARY KEY, v INTEGER NOT NULL);"
	                              "INSERT INTO things VALUES('a', 1), ('b', 21)",
	                              NULL, NULL, NULL),
	                 SQLITE_OK);
	sqlite3_close(raw);

	yg_db *db = open_default(f->path);
	assert_int_equal(yg_db_migrate(db, "things", steps_v3, 3), YG_OK);
	sqlite3_stmt *st = yg_db_stmt(db, "SELECT k, v, w FROM things ORDER BY k");
	assert_non_null(st);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal(yg_db_text(st, 0), "a");
	assert_int_equal(sqlite3_column_int(st, 2), 2);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 2), 42);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	int v = 0;
	assert_int_equal(yg_db_schema_version(db, "things", &v), YG_OK);
	assert_int_equal(v, 3);
	yg_db_close(db);
}

static void test_migrate_newer_refused(void **state)
{
	fx *f = *state;
	yg_db *db = open_default(f->path);
	assert_int_equal(yg_db_migrate(db, "things", steps_v3, 3), YG_OK);
	/* an older yagura (knows only version 1) must not use it */
	assert_int_equal(yg_db_migrate(db, "things", steps_v1, 1), YG_EINVAL);
	assert_non_null(strstr(yg_db_errmsg(db), "newer"));
	assert_non_null(strstr(yg_db_errmsg(db), f->path));
	/* steps out of order are a programming error */
	static const yg_db_step bad[] = {{2, "SELECT 1", NULL}};
	assert_int_equal(yg_db_migrate(db, "x", bad, 1), YG_EINVAL);
	yg_db_close(db);
}

static void test_migrate_failure_keeps_nothing(void **state)
{
	fx *f = *state;
	yg_db *db = open_default(f->path);
	assert_int_equal(yg_db_migrate(db, "things", steps_v1, 1), YG_OK);
	static const yg_db_step broken[] = {
	        {1, "CREATE TABLE IF NOT EXISTS things(k TEXT PRIMARY KEY, v INTEGER NOT NULL)",
	         NULL},
	        {2, "CREATE TABLE added(x); INSERT INTO nowhere VALUES(1)", NULL},
	};
	assert_int_not_equal(yg_db_migrate(db, "things", broken, 2), YG_OK);
	assert_non_null(strstr(yg_db_errmsg(db), "version 2"));
	int v = 0;
	assert_int_equal(yg_db_schema_version(db, "things", &v), YG_OK);
	assert_int_equal(v, 1);
	/* the half-applied step's table was rolled back */
	assert_int_not_equal(yg_db_exec(db, "SELECT * FROM added"), YG_OK);
	yg_db_close(db);
}

static void test_txn_commit_and_rollback(void **state)
{
	fx *f = *state;
	yg_db *db = open_default(f->path);
	assert_int_equal(yg_db_migrate(db, "things", steps_v1, 1), YG_OK);
	yg_db_txn *t = NULL, *t2 = NULL;
	assert_int_equal(yg_db_begin(db, &t), YG_OK);
	assert_ptr_equal(yg_db_txn_db(t), db);
	assert_int_equal(yg_db_begin(db, &t2), YG_EINVAL); /* one at a time */
	assert_int_equal(yg_db_exec(db, "INSERT INTO things VALUES('kept', 1)"), YG_OK);
	assert_int_equal(yg_db_end(t, YG_OK), YG_OK);
	assert_int_equal(yg_db_begin(db, &t), YG_OK);
	assert_int_equal(yg_db_exec(db, "INSERT INTO things VALUES('gone', 2)"), YG_OK);
	assert_int_equal(yg_db_end(t, YG_EIO), YG_EIO);
	assert_int_equal(yg_db_end(t, YG_OK), YG_EINVAL); /* already ended */

	/* another connection sees exactly the committed row */
	yg_db *other = open_default(f->path);
	sqlite3_stmt *st = yg_db_stmt(other, "SELECT group_concat(k) FROM things");
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal(yg_db_text(st, 0), "kept");
	sqlite3_reset(st);
	yg_db_close(other);
	yg_db_close(db);
}

static void test_stmt_cache(void **state)
{
	fx *f = *state;
	yg_db *db = open_default(f->path);
	assert_int_equal(yg_db_migrate(db, "things", steps_v1, 1), YG_OK);
	const char *ins = "INSERT INTO things(k, v) VALUES(?, ?)";
	sqlite3_stmt *a = yg_db_stmt(db, ins);
	assert_non_null(a);
	yg_db_bind_text(a, 1, "x");
	sqlite3_bind_int(a, 2, 5);
	assert_int_equal(yg_db_done(db, a, "insert"), YG_OK);
	/* the same text (another pointer) is the same statement, bindings cleared */
	char copy[64];
	snprintf(copy, sizeof(copy), "%s", ins);
	sqlite3_stmt *b = yg_db_stmt(db, copy);
	assert_ptr_equal(a, b);
	assert_int_not_equal(yg_db_done(db, b, "insert null"), YG_OK); /* k NULL: NOT NULL */
	assert_non_null(strstr(yg_db_errmsg(db), "insert null"));
	/* many statements: past the cache they still work */
	for (int i = 0; i < 80; i++) {
		char sql[64];
		snprintf(sql, sizeof(sql), "SELECT %d", i);
		sqlite3_stmt *s = yg_db_stmt(db, sql);
		assert_non_null(s);
		assert_int_equal(sqlite3_step(s), SQLITE_ROW);
		assert_int_equal(sqlite3_column_int(s, 0), i);
		sqlite3_reset(s);
	}
	assert_null(yg_db_stmt(db, "SELEC nonsense"));
	assert_non_null(strstr(yg_db_errmsg(db), "prepare"));
	yg_db_close(db);
}

static void test_wrap_and_borrow(void **state)
{
	fx *f = *state;
	sqlite3 *raw = NULL;
	assert_int_equal(sqlite3_open(f->path, &raw), SQLITE_OK);
	yg_db *db = NULL;
	assert_int_equal(yg_db_wrap(raw, f->path, &db), YG_OK);
	assert_int_equal(yg_db_migrate(db, "things", steps_v1, 1), YG_OK);
	assert_int_equal(sqlite3_exec(raw, "BEGIN", NULL, NULL, NULL), SQLITE_OK);
	yg_db_txn *t = yg_db_txn_borrow(db);
	assert_non_null(t);
	assert_int_equal(yg_db_exec(yg_db_txn_db(t), "INSERT INTO things VALUES('w', 1)"), YG_OK);
	assert_int_equal(yg_db_end(t, YG_OK), YG_EINVAL); /* the owner ends it */
	yg_db_txn_release(t);
	assert_int_equal(sqlite3_exec(raw, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
	yg_db_close(db); /* does not close raw */
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(raw, "SELECT count(*) FROM things", -1, &st, NULL),
	                 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 0);
	sqlite3_finalize(st);
	sqlite3_close(raw);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_open_applies_config, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_open_errors_name_the_file, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_migrate_fresh, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_migrate_unversioned_file, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_migrate_newer_refused, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_migrate_failure_keeps_nothing, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_txn_commit_and_rollback, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_stmt_cache, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_wrap_and_borrow, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
