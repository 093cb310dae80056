/* manager_config_int.h: the configuration reader's pieces, one file per
 * group of blocks. */
#ifndef YAGURA_MANAGER_CONFIG_INT_H
#define YAGURA_MANAGER_CONFIG_INT_H

#include "engine/wxml.h"
#include "manager/manager.h"

/* A decimal int in [lo, hi] with optional surrounding blanks. */
bool manager_parse_int(const char *s, int lo, int hi, int *out);

yg_err manager_config_remote(yg_manager_config *cfg, const yg_wxml_node *n, const char *file,
                             yg_diag *d);
yg_err manager_config_auth(yg_manager_config *cfg, const yg_wxml_node *n, const char *file,
                           yg_diag *d);

#endif
