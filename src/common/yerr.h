/* yerr.h: the one error type of yagura.
 *
 * Every fallible function returns a yg_err; YG_OK is zero so `if (err)` reads
 * naturally. Details for a person (file, line, element) go to a yg_diag, not
 * into the code. */
#ifndef YAGURA_YERR_H
#define YAGURA_YERR_H

typedef enum yg_err {
	YG_OK = 0,
	YG_ENOMEM,    /* allocation failed */
	YG_EINVAL,    /* bad argument or bad input value */
	YG_EIO,       /* a file or stream could not be read/written */
	YG_EPARSE,    /* malformed text (XML, regex, JSON, config) */
	YG_ENOTFOUND, /* a named thing does not exist */
	YG_ELIMIT,    /* a bound was reached */
} yg_err;

/* A static English name for an error code. */
const char *yg_strerror(yg_err err);

#endif
