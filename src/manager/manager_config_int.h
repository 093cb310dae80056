/* manager_config_int.h: the configuration reader's pieces, one file per
 * group of blocks. */
#ifndef YAGURA_MANAGER_CONFIG_INT_H
#define YAGURA_MANAGER_CONFIG_INT_H

#include "common/yopt.h"
#include "engine/wxml.h"
#include "manager/manager.h"

/* A decimal int in [lo, hi] (lo >= 0) with optional surrounding blanks,
 * read by yg_opt_parse_uint (for config_syslog.c). */
bool manager_parse_int(const char *s, int lo, int hi, int *out);

/* The option tables of <remote> (into yg_remote_config), <auth> (into
 * yg_auth_config), <alerts> and <global> (into yg_manager_config). */
extern const yg_opt_block yg_remote_block, yg_auth_block, yg_alerts_block, yg_global_block;

/* create/destroy of a bare yg_manager_config for those two tables. */
void *manager_config_block_create(void);
void manager_config_block_destroy(void *obj);

yg_err manager_config_remote(yg_manager_config *cfg, const yg_wxml_node *n, const char *file,
                             yg_diag *d);
/* A <remote> with <connection>syslog</connection> (config_syslog.c). */
yg_err manager_config_syslog(yg_manager_config *cfg, const yg_wxml_node *n, const char *file,
                             yg_diag *d);
yg_err manager_config_auth(yg_manager_config *cfg, const yg_wxml_node *n, const char *file,
                           yg_diag *d);

/* The response blocks (config_respond.c). block() returns false when the
 * block is not one of them; otherwise *err says how reading it went. */
yg_err manager_config_respond_init(yg_manager_config *cfg);
void manager_config_respond_free(yg_manager_config *cfg);
bool manager_config_respond_block(yg_manager_config *cfg, const yg_wxml_node *b, const char *file,
                                  yg_diag *d, yg_err *err);
yg_err manager_config_respond_check(yg_manager_config *cfg, yg_diag *d);

#endif
