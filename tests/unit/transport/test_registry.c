/* test_registry.c: agents CRUD, ids, one-time tokens, revocation, seqs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "store/db_sql.h"
#include "store/registry.h"
#include "tsupport.h"

static bool count_fn(void *ctx, const yg_agent_info *a)
{
	(void)a;
	(*(int *)ctx)++;
	return true;
}

static void test_registry_agents(void **state)
{
	(void)state;
	char *dir = ts_mkdtemp("reg");
	char db[512];
	snprintf(db, sizeof(db), "%s/registry.db", dir);
	yg_registry *reg;
	assert_int_equal(yg_registry_open(db, NULL, &reg), YG_OK);
	char id1[YG_AGENT_ID_MAX], id2[YG_AGENT_ID_MAX], id3[YG_AGENT_ID_MAX];
	assert_int_equal(yg_registry_add(reg, "web1", "10.0.0.1", false, id1), YG_OK);
	assert_string_equal(id1, "001");
	assert_int_equal(yg_registry_add(reg, "web2", NULL, false, id2), YG_OK);
	assert_string_equal(id2, "002");
	/* duplicate names refused unless forced; bad names refused */
	assert_int_equal(yg_registry_add(reg, "web1", NULL, false, id3), YG_EINVAL);
	assert_int_equal(yg_registry_add(reg, "bad name", NULL, false, id3), YG_EINVAL);
	assert_int_equal(yg_registry_add(reg, "a'; DROP TABLE yg_agents;--", NULL, false, id3),
	                 YG_EINVAL);
	assert_int_equal(yg_registry_add(reg, "", NULL, false, id3), YG_EINVAL);

	assert_int_equal(yg_registry_set_serial(reg, id1, "AA01"), YG_OK);
	assert_int_equal(yg_registry_set_serial(reg, id2, "AA01"), YG_EINVAL); /* unique */
	assert_int_equal(yg_registry_set_serial(reg, id2, "BB02"), YG_OK);

	yg_agent_info a;
	assert_int_equal(yg_registry_get_by_serial(reg, "AA01", &a), YG_OK);
	assert_string_equal(a.id, "001");
	assert_string_equal(a.name, "web1");
	assert_string_equal(a.ip, "10.0.0.1");
	assert_int_equal(a.status, YG_AGENT_NEVER_CONNECTED);
	assert_false(a.revoked);
	assert_true(a.date_add > 0);
	assert_int_equal(yg_registry_get_by_serial(reg, "CC03", &a), YG_ENOTFOUND);
	assert_int_equal(yg_registry_get(reg, "0001", &a), YG_ENOTFOUND);
	assert_int_equal(yg_registry_get(reg, "x", &a), YG_ENOTFOUND);

	assert_int_equal(yg_registry_keepalive(reg, id1, "0.1.0", 1000), YG_OK);
	assert_int_equal(yg_registry_get(reg, id1, &a), YG_OK);
	assert_int_equal(a.status, YG_AGENT_ACTIVE);
	assert_string_equal(a.version, "0.1.0");
	assert_int_equal(a.last_keepalive, 1000);
	assert_int_equal(yg_registry_reset_status(reg), YG_OK);
	assert_int_equal(yg_registry_get(reg, id1, &a), YG_OK);
	assert_int_equal(a.status, YG_AGENT_DISCONNECTED);

	/* forced re-add: the old agent's certificate is refused from now on */
	assert_int_equal(yg_registry_add(reg, "web1", NULL, true, id3), YG_OK);
	assert_string_equal(id3, "003");
	assert_int_equal(yg_registry_get(reg, id1, &a), YG_ENOTFOUND);
	assert_int_equal(yg_registry_get_by_serial(reg, "AA01", &a), YG_ENOTFOUND);
	/* even if someone tried to give the serial to another agent */
	assert_int_equal(yg_registry_set_serial(reg, id3, "AA01"), YG_OK);
	assert_int_equal(yg_registry_get_by_serial(reg, "AA01", &a), YG_ENOTFOUND);

	/* revoke keeps the agent listed, marked */
	assert_int_equal(yg_registry_revoke(reg, id2), YG_OK);
	assert_int_equal(yg_registry_get_by_serial(reg, "BB02", &a), YG_OK);
	assert_true(a.revoked);
	assert_int_equal(yg_registry_keepalive(reg, id2, "x", 5), YG_ENOTFOUND);

	/* remove; ids are never reused */
	assert_int_equal(yg_registry_remove(reg, id3), YG_OK);
	assert_int_equal(yg_registry_remove(reg, id3), YG_ENOTFOUND);
	assert_int_equal(yg_registry_add(reg, "web4", NULL, false, id3), YG_OK);
	assert_string_equal(id3, "004");
	int n = 0;
	assert_int_equal(yg_registry_list(reg, count_fn, &n), YG_OK);
	assert_int_equal(n, 2);

	/* last_committed_seq inside the caller's own transaction (another
	 * connection to the same file, as the commit point's) */
	yg_db_config cfg;
	yg_db_config_default(&cfg, db);
	yg_db *h = NULL;
	assert_int_equal(yg_db_open(&cfg, NULL, &h), YG_OK);
	yg_db_txn *txn = NULL;
	assert_int_equal(yg_db_begin(h, &txn), YG_OK);
	assert_int_equal(yg_registry_set_seq_in(txn, id3, 42), YG_OK);
	assert_int_equal(yg_registry_set_seq_in(txn, id3, 40), YG_OK); /* never goes back */
	assert_int_equal(yg_registry_set_seq_in(txn, "999", 1), YG_ENOTFOUND);
	assert_int_equal(yg_db_end(txn, YG_EIO), YG_EIO); /* rolls back */
	uint64_t seq = 99;
	assert_int_equal(yg_registry_get_seq(reg, id3, &seq), YG_OK);
	assert_int_equal(seq, 0); /* rolled back with the caller's transaction */
	assert_int_equal(yg_db_begin(h, &txn), YG_OK);
	assert_int_equal(yg_registry_set_seq_in(txn, id3, 42), YG_OK);
	assert_int_equal(yg_db_end(txn, YG_OK), YG_OK);
	assert_int_equal(yg_registry_get_seq(reg, id3, &seq), YG_OK);
	assert_int_equal(seq, 42);
	yg_db_close(h);

	yg_registry_close(reg);
	/* reopening keeps everything */
	assert_int_equal(yg_registry_open(db, NULL, &reg), YG_OK);
	assert_int_equal(yg_registry_get_seq(reg, id3, &seq), YG_OK);
	assert_int_equal(seq, 42);
	yg_registry_close(reg);
	ts_rmtree(dir);
	free(dir);
}

static void test_registry_tokens(void **state)
{
	(void)state;
	char *dir = ts_mkdtemp("reg");
	char db[512];
	snprintf(db, sizeof(db), "%s/registry.db", dir);
	yg_registry *reg;
	assert_int_equal(yg_registry_open(db, NULL, &reg), YG_OK);
	char t1[YG_TOKEN_LEN], t2[YG_TOKEN_LEN];
	assert_int_equal(yg_registry_token_create(reg, 3600, 1000, t1), YG_OK);
	assert_int_equal(yg_registry_token_create(reg, 10, 1000, t2), YG_OK);
	assert_int_equal(strlen(t1), YG_TOKEN_LEN - 1);
	assert_string_not_equal(t1, t2);
	/* only a hash is stored */
	sqlite3 *h;
	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(h, "SELECT hash FROM yg_enroll_tokens", -1, &st, NULL),
	                 SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW)
		assert_null(strstr(t1, (const char *)sqlite3_column_text(st, 0)));
	sqlite3_finalize(st);
	sqlite3_close(h);
	assert_int_equal(yg_registry_token_consume(reg, t1, 1001), YG_OK);
	assert_int_equal(yg_registry_token_consume(reg, t1, 1002), YG_ENOTFOUND); /* one time */
	assert_int_equal(yg_registry_token_consume(reg, t2, 1011), YG_ENOTFOUND); /* expired */
	assert_int_equal(yg_registry_token_consume(reg, "ygt_nope", 1000), YG_ENOTFOUND);
	assert_int_equal(yg_registry_token_consume(reg, "", 1000), YG_ENOTFOUND);
	yg_registry_close(reg);
	ts_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_registry_agents),
	        cmocka_unit_test(test_registry_tokens),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
