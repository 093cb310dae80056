/* api_wire.h: the REST API and web UI inside the manager (see api_wire.c). */
#ifndef YAGURA_MANAGER_API_WIRE_H
#define YAGURA_MANAGER_API_WIRE_H

#include <stdbool.h>

struct manager;
typedef struct yg_api_wire yg_api_wire;

/* NULL when there is no <api> block; on an error, logged, and *failed set.
 * Call after the responses are open (it shows their stores). */
yg_api_wire *api_wire_open(struct manager *m, bool *failed);
/* Stops serving; call before closing what it shows. NULL is fine. */
void api_wire_close(yg_api_wire *w);
/* Whether bans were changed through the API since the last call. */
bool api_wire_take_changed(yg_api_wire *w);

#endif
