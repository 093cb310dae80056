/* fuzz_spool.c: any bytes as the content of a spool segment (the first one,
 * seq 1). Opening must keep exactly the valid leading records, in order;
 * after that the spool must be healthy: an append gets the next seq, and a
 * reopen finds nothing more to repair. Valid state frames in the input are
 * kept and never handed out as records. */
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/spool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];

static void clean_dir(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[512];
	while (d && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		unlink(p);
	}
	if (d)
		closedir(d);
}

static void remove_dir(void)
{
	clean_dir();
	rmdir(dir);
}

typedef struct walk {
	uint64_t next;
	uint64_t bytes;
} walk;

static int check(void *ctx, uint64_t seq, const void *rec, size_t len)
{
	walk *w = ctx;
	if (seq != w->next || (len && !rec))
		abort();
	w->next++;
	w->bytes += YG_SPOOL_HEADER_BYTES + len;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "/tmp/yg-fuzz-spool-%ld", (long)getpid());
		mkdir(dir, 0700);
		atexit(remove_dir);
	}
	clean_dir();
	char p[512];
	snprintf(p, sizeof(p), "%s/%020d.seg", dir, 1);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		abort();
	if (size && write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);

	yg_diag *diag = yg_diag_create();
	yg_spool *sp = NULL;
	if (yg_spool_open(dir, NULL, diag, &sp) != YG_OK)
		abort();
	yg_spool_stats st;
	yg_spool_stats_get(sp, &st);
	walk w = {.next = 1};
	size_t n;
	if (yg_spool_peek(sp, 0, 0, 0, check, &w, &n) != YG_OK || n != st.last_seq ||
	    w.bytes + st.state_bytes != st.bytes || st.bytes + st.truncated_bytes != size ||
	    (st.truncations > 0) != (yg_diag_warnings(diag) > 0))
		abort();
	uint64_t seq;
	if (yg_spool_append(sp, "x", 1, &seq) != YG_OK || seq != st.last_seq + 1)
		abort();
	if (yg_spool_ack(sp, seq / 2) != YG_OK)
		abort();
	yg_spool_close(sp);
	yg_diag_destroy(diag);

	diag = yg_diag_create();
	if (yg_spool_open(dir, NULL, diag, &sp) != YG_OK || yg_diag_count(diag) != 0)
		abort();
	yg_spool_stats_get(sp, &st);
	if (st.last_seq != seq || st.acked_seq != seq / 2)
		abort();
	yg_spool_close(sp);
	yg_diag_destroy(diag);
	return 0;
}
