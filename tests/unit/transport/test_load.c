/* test_load.c: 500 agents (500 yg_tclient, each with its own certificate)
 * connect to one server in the same process and deliver their events.
 * Checks that it works, not how fast. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "tsim.h"
#include "tsupport.h"

#define NCLIENTS 500
#define NEVENTS 10

typedef struct loadctx {
	yg_tserver *srv;
	sim_spool *sp;
	sim_mgr *m;
} loadctx;

static bool all_connected(void *arg)
{
	loadctx *l = arg;
	return yg_tserver_connected(l->srv) == NCLIENTS;
}

static bool all_acked(void *arg)
{
	loadctx *l = arg;
	for (int i = 0; i < NCLIENTS; i++)
		if (sim_spool_acked(&l->sp[i]) < NEVENTS)
			return false;
	return true;
}

static void test_500_clients(void **state)
{
	(void)state;
	struct rlimit rl;
	getrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_cur < 4 * NCLIENTS + 100) {
		rl.rlim_cur = rl.rlim_max < 4 * NCLIENTS + 100 ? rl.rlim_max : 4 * NCLIENTS + 100;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur < 4 * NCLIENTS + 100)
		skip();
	ts_env env;
	ts_env_init(&env, "load");
	sim_mgr m;
	sim_mgr_start(&m, env.db);
	yg_tserver_config sc = {.address = "127.0.0.1",
	                        .ca_cert = env.ca_crt,
	                        .cert = env.srv_crt,
	                        .key = env.srv_key,
	                        .registry = env.reg,
	                        .handshake_s = 30};
	sim_mgr_callbacks(&m, &sc.cb);
	yg_tserver *srv;
	assert_int_equal(yg_tserver_create(&sc, NULL, &srv), YG_OK);
	sim_mgr_set_server(&m, srv);
	sim_spool *sp = calloc(NCLIENTS, sizeof(*sp));
	yg_tclient **cl = calloc(NCLIENTS, sizeof(*cl));
	for (int i = 0; i < NCLIENTS; i++) {
		char name[32], id[12], key[512], crt[512];
		snprintf(name, sizeof(name), "host%03d", i);
		ts_env_agent(&env, NULL, name, id, key, crt);
		sim_spool_init(&sp[i]);
		sim_spool_produce(&sp[i], NEVENTS);
		yg_tclient_config cc = {.host = "127.0.0.1",
		                        .port = yg_tserver_port(srv),
		                        .ca_cert = env.ca_crt,
		                        .cert = crt,
		                        .key = key,
		                        .name = name,
		                        .version = "load",
		                        .backoff_min_ms = 200,
		                        .backoff_max_ms = 2000};
		sim_spool_callbacks(&sp[i], &cc.cb);
		assert_int_equal(yg_tclient_create(&cc, NULL, &cl[i]), YG_OK);
		sp[i].cl = cl[i];
	}
	loadctx l = {srv, sp, &m};
	assert_true(ts_wait(all_connected, &l, 120000));
	assert_true(ts_wait(all_acked, &l, 120000));
	assert_int_equal(sim_mgr_get(&m, &m.committed), NCLIENTS * NEVENTS);
	assert_int_equal(sim_mgr_get(&m, &m.dups), 0);
	assert_int_equal(sim_mgr_get(&m, &m.bad_records), 0);
	for (int i = 0; i < NCLIENTS; i++)
		yg_tclient_destroy(cl[i]);
	sim_mgr_set_server(&m, NULL);
	yg_tserver_destroy(srv);
	sim_mgr_stop(&m);
	free(cl);
	free(sp);
	ts_env_free(&env);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_500_clients),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
