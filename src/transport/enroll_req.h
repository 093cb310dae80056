/* enroll_req.h: reading one enrolment request (the ENROLL_REQ payload),
 * apart from the listener so that it can be fuzzed without sockets. */
#ifndef YAGURA_TRANSPORT_ENROLL_REQ_H
#define YAGURA_TRANSPORT_ENROLL_REQ_H

#include <stddef.h>
#include <stdint.h>

/* The request's fields; the strings belong to `obj`. */
typedef struct yg_enroll_req {
	struct json_object *obj;
	const char *name;     /* valid (yg_registry_valid_name) */
	const char *csr;      /* present, not yet checked as PEM */
	const char *password; /* NULL when absent */
	const char *token;    /* NULL when absent */
} yg_enroll_req;

/* Parses len bytes as one JSON object {"name","csr","password"|"token"}.
 * NULL on success, or why the request is refused (out->name is then the
 * name if it was valid, for the log). Either way free out with
 * yg_enroll_req_free. */
const char *yg_enroll_req_parse(const uint8_t *p, size_t len, yg_enroll_req *out);
void yg_enroll_req_free(yg_enroll_req *r);

#endif
