/* fim_input.h: a FIM event as the engine's pre-decoded input.
 *
 * Wazuh's analysisd decodes syscheck messages with a built-in decoder into
 * fields (file, size, size_before, md5_after...) and a full_log text; the
 * engine takes the same as yg_input.decoded_as + fields. This builds them. */
#ifndef YAGURA_FIM_FIM_INPUT_H
#define YAGURA_FIM_FIM_INPUT_H

#include "common/ybuf.h"
#include "engine/engine.h"
#include "fim/fim.h"

#define YG_FIM_INPUT_FIELDS 48

/* Scratch space that the built input points into; reused per event. */
typedef struct yg_fim_input {
	yg_kv kv[YG_FIM_INPUT_FIELDS];
	size_t nkv;
	char strs[YG_FIM_INPUT_FIELDS][80]; /* numbers as text */
	size_t nstrs;
	char changed[256];
	yg_buf text; /* full_log */
} yg_fim_input;

void yg_fim_input_init(yg_fim_input *fi);
void yg_fim_input_free(yg_fim_input *fi);

/* Fills *in (location "syscheck", decoded_as, fields, full_log) from ev.
 * The strings stay valid until the next build on fi or ev's end. */
void yg_fim_input_build(yg_fim_input *fi, const yg_fim_event *ev, yg_input *in);

#endif
