/* test_api_users.c: users, passwords and tokens of the API (real SQLite). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "api/api_users.h"

static time_t fake_now = 1700000000;
static time_t clock_fn(void *ctx)
{
	(void)ctx;
	return fake_now;
}

static int setup(void **state)
{
	char tmpl[] = "/tmp/yg_api_users_XXXXXX";
	char *dir = mkdtemp(tmpl);
	assert_non_null(dir);
	char path[256];
	snprintf(path, sizeof(path), "%s/users.db", dir);
	yg_api_users *u = NULL;
	assert_int_equal(yg_api_users_open(path, NULL, &u), YG_OK);
	yg_api_users_set_clock(u, clock_fn, NULL);
	*state = u;
	return 0;
}

static int teardown(void **state)
{
	yg_api_users_close(*state);
	return 0;
}

static void test_users(void **state)
{
	yg_api_users *u = *state;
	yg_api_role role;
	assert_int_equal(yg_api_user_add(u, "alice", "correct horse", YG_API_ROLE_ANALYST), YG_OK);
	assert_int_equal(yg_api_user_add(u, "alice", "another one", YG_API_ROLE_ADMIN), YG_EINVAL);
	assert_int_equal(yg_api_user_add(u, "bad name", "password1", YG_API_ROLE_ADMIN), YG_EINVAL);
	assert_int_equal(yg_api_user_add(u, "bob", "short", YG_API_ROLE_ADMIN), YG_EINVAL);
	assert_int_equal(yg_api_user_add(u, "bob", "password\n1", YG_API_ROLE_ADMIN), YG_EINVAL);
	assert_int_equal(yg_api_user_check(u, "alice", "correct horse", &role), YG_OK);
	assert_int_equal(role, YG_API_ROLE_ANALYST);
	assert_int_equal(yg_api_user_check(u, "alice", "wrong horse", &role), YG_ENOTFOUND);
	assert_int_equal(role, YG_API_ROLE_NONE);
	assert_int_equal(yg_api_user_check(u, "nobody", "correct horse", &role), YG_ENOTFOUND);
	assert_int_equal(yg_api_user_check(u, "' OR 1=1 --", "x", &role), YG_ENOTFOUND);
	assert_int_equal(yg_api_user_set_role(u, "alice", YG_API_ROLE_ADMIN), YG_OK);
	uint64_t n = 0;
	assert_int_equal(yg_api_user_count_admins(u, &n), YG_OK);
	assert_int_equal(n, 1);
	assert_int_equal(yg_api_role_parse("read-only"), YG_API_ROLE_READ_ONLY);
	assert_int_equal(yg_api_role_parse("root"), YG_API_ROLE_NONE);
}

static void test_tokens(void **state)
{
	yg_api_users *u = *state;
	char tok[YG_API_TOKEN_LEN], name[YG_API_NAME_MAX + 1];
	yg_api_role role;
	int64_t id = 0, got = 0;
	time_t exp = 0;
	assert_int_equal(yg_api_user_add(u, "carol", "carol-password", YG_API_ROLE_READ_ONLY),
	                 YG_OK);
	assert_int_equal(
	        yg_api_token_create(u, "carol", YG_API_SESSION_TTL, true, NULL, tok, &id, &exp),
	        YG_OK);
	assert_int_equal(strlen(tok), YG_API_TOKEN_LEN - 1);
	assert_int_equal(exp, fake_now + YG_API_SESSION_TTL);
	assert_int_equal(yg_api_token_check(u, tok, name, &role, &got, NULL), YG_OK);
	assert_string_equal(name, "carol");
	assert_int_equal(got, id);
	/* Unknown, malformed, altered tokens. */
	char bad[YG_API_TOKEN_LEN];
	memcpy(bad, tok, sizeof(bad));
	bad[10] = bad[10] == 'a' ? 'b' : 'a';
	assert_int_equal(yg_api_token_check(u, bad, name, &role, NULL, NULL), YG_ENOTFOUND);
	assert_int_equal(yg_api_token_check(u, "yga_", name, &role, NULL, NULL), YG_ENOTFOUND);
	assert_int_equal(yg_api_token_create(u, "nobody", 60, false, NULL, bad, NULL, NULL),
	                 YG_ENOTFOUND);
	/* Expiry. */
	fake_now += YG_API_SESSION_TTL;
	assert_int_equal(yg_api_token_check(u, tok, name, &role, NULL, NULL), YG_ENOTFOUND);
	/* A password change revokes every token: sessions and API tokens. */
	char api[YG_API_TOKEN_LEN];
	bool session = true;
	uint64_t held = 0;
	assert_int_equal(yg_api_token_create(u, "carol", 3600, true, NULL, tok, NULL, NULL), YG_OK);
	assert_int_equal(yg_api_token_create(u, "carol", 3600, false, "cron", api, &id, NULL),
	                 YG_OK);
	assert_int_equal(yg_api_token_check(u, api, name, &role, NULL, &session), YG_OK);
	assert_false(session);
	assert_int_equal(yg_api_token_check(u, tok, name, &role, NULL, &session), YG_OK);
	assert_true(session);
	assert_int_equal(yg_api_token_count(u, "carol", &held), YG_OK);
	assert_int_equal(held, 1);
	assert_int_equal(yg_api_user_passwd(u, "carol", "new-password!"), YG_OK);
	assert_int_equal(yg_api_token_check(u, tok, name, &role, NULL, NULL), YG_ENOTFOUND);
	assert_int_equal(yg_api_token_check(u, api, name, &role, NULL, NULL), YG_ENOTFOUND);
	assert_int_equal(yg_api_token_create(u, "carol", 3600, false, "cron", api, &id, NULL),
	                 YG_OK);
	/* Revocation by id, checking the owner. */
	assert_int_equal(yg_api_token_revoke(u, id, "someone-else"), YG_ENOTFOUND);
	assert_int_equal(yg_api_token_revoke(u, id, "carol"), YG_OK);
	assert_int_equal(yg_api_token_check(u, api, name, &role, NULL, NULL), YG_ENOTFOUND);
	/* Removing the user removes every token. */
	assert_int_equal(yg_api_token_create(u, "carol", 3600, false, NULL, api, NULL, NULL),
	                 YG_OK);
	assert_int_equal(yg_api_user_remove(u, "carol"), YG_OK);
	assert_int_equal(yg_api_token_check(u, api, name, &role, NULL, NULL), YG_ENOTFOUND);
	assert_int_equal(yg_api_user_remove(u, "carol"), YG_ENOTFOUND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_users, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_tokens, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
