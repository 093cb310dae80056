/* fuzz_addr.c: the strict address/CIDR parser, the canonical form and the
 * allow-list test on arbitrary bytes. Checks that whatever is accepted is
 * printable, re-parses to the same value, and never holds characters a ban
 * file or a command line could misread. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "waf/addr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	yg_waf_addr a, b;
	char text[YG_WAF_ADDR_TEXT_MAX];
	if (yg_waf_addr_parse_ex((const char *)data, size, 0, 0, &a) != YG_OK)
		return 0;
	yg_waf_addr_format(&a, text);
	if (strspn(text, "0123456789abcdef.:/") != strlen(text) || text[0] == '\0')
		abort();
	if (yg_waf_addr_parse_ex(text, strlen(text), 0, 0, &b) != YG_OK ||
	    memcmp(&a, &b, sizeof(a)) != 0)
		abort();
	if (!yg_waf_addr_contains(&a, &b) || !yg_waf_addr_overlaps(&a, &b))
		abort();
	yg_waf_allow *l = yg_waf_allow_create();
	if (l && yg_waf_allow_add(l, text) == YG_OK && !yg_waf_allowed(l, &a))
		abort();
	yg_waf_allow_destroy(l);
	return 0;
}
