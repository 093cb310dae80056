/* fuzz_enroll.c: an enrolment request as the manager reads it: the
 * ENROLL_REQ payload parsed, then (as the listener does once the secret
 * is checked) its CSR verified and signed by a CA created on /dev/shm for
 * the run. No socket, no registry. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "transport/ca.h"
#include "transport/enroll_req.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static yg_ca *ca;

static void stop(void)
{
	yg_ca_destroy(ca);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!ca) {
		char dir[64];
		snprintf(dir, sizeof(dir), "/dev/shm/yg-fuzz-enroll-%ld", (long)getpid());
		if (yg_ca_open_or_create(dir, "yagura fuzz CA", NULL, &ca) != YG_OK)
			return 0;
		atexit(stop);
	}
	yg_enroll_req req;
	if (!yg_enroll_req_parse(data, size, &req)) {
		char *cert = NULL, serial[YG_CA_SERIAL_MAX];
		if (yg_ca_sign_csr(ca, req.csr, strlen(req.csr), "001", 1, &cert, serial) == YG_OK)
			free(cert);
	}
	yg_enroll_req_free(&req);
	return 0;
}
