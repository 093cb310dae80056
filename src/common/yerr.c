#include "common/yerr.h"

const char *yg_strerror(yg_err err)
{
	switch (err) {
	case YG_OK: return "success";
	case YG_ENOMEM: return "out of memory";
	case YG_EINVAL: return "invalid argument";
	case YG_EIO: return "input/output error";
	case YG_EPARSE: return "parse error";
	case YG_ENOTFOUND: return "not found";
	case YG_ELIMIT: return "limit reached";
	}
	return "unknown error";
}
