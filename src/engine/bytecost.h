/* bytecost.h: how costly a byte is to scan for in log text, shared by the
 * OS_Match and OS_Regex compilers to pick the byte a literal search looks
 * for. Roughly how common it is (measured on Wazuh's ruleset test logs),
 * doubled, plus one for letters, which need a search for each case. */
#ifndef YAGURA_BYTECOST_H
#define YAGURA_BYTECOST_H

#include <stdint.h>
#include <string.h>

static inline int yg_byte_cost(uint8_t c)
{
	static const char *const common[] = {
	        "etasrion :\"\\",  /* 4: the most common */
	        "cdulpmg012,",     /* 3 */
	        "hfbwyv3456789.-", /* 2 */
	        "xkzjq{}_=/",      /* 1 */
	};
	uint8_t l = (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
	int alpha = l >= 'a' && l <= 'z';
	for (int i = 0; i < 4; i++) {
		if (l && strchr(common[i], l))
			return 2 * (4 - i) + alpha;
	}
	return alpha; /* rare */
}

#endif
