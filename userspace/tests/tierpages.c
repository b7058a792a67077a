// SPDX-License-Identifier: GPL-2.0
/*
 * tierpages - a tier of a page or more that is not a page multiple
 * (kpool loaded with tiers=256,5000,1048576) is rounded up to whole pages,
 * so that a mapping of a buffer's last page reaches only the buffer's own
 * bytes: no slab metadata, no neighbour, nothing a previous user wrote.
 * Before the rounding, writing that tail corrupted the slab's red zone
 * (the test kernel's slub_debug makes the guest dirty) and bytes written
 * there by one user showed up in the next user's buffer.
 */
#include "kt.h"

#define KT_TIERS	"256,5000,1048576"
#define KT_ROUNDS	24

static int tiers_are(const char *want)
{
	char buf[128] = "";
	FILE *f = fopen("/sys/module/kpool/parameters/tiers", "re");
	int ok;

	if (!f)
		return 0;
	ok = fgets(buf, sizeof(buf), f) && !strncmp(buf, want, strlen(want));
	fclose(f);
	return ok;
}

/* One user: allocate, check the whole span is zero, then dirty all of it. */
static void one_user(void *arg)
{
	int fd = kt_open(), round, dirty = 0, bad = 0, err;
	const char *who = arg;
	struct kpool_alloc a;
	unsigned char *m;

	for (round = 0; round < KT_ROUNDS; round++) {
		if (kt_alloc_full(fd, 5000, &a)) {
			bad++;
			continue;
		}
		m = kt_mmap(fd, 2 * KT_PAGE, a.mmap_offset, &err);
		if (!m) {
			bad++;
			kt_free(fd, a.handle);
			continue;
		}
		dirty += kt_nonzero(m, 2 * KT_PAGE) >= 0;
		memset(m, 0x5a, 2 * KT_PAGE);
		munmap(m, 2 * KT_PAGE);
		kt_free(fd, a.handle);
	}
	kt_ok(!bad, "%s: %d rounds of ALLOC(5000) + mmap of its 2 pages", who,
	      KT_ROUNDS);
	kt_ok(!dirty, "%s: every byte of both pages was zero each time, though every round wrote all of them (%d dirty)",
	      who, dirty);
	close(fd);
}

int main(void)
{
	struct kpool_stats st;
	struct kpool_alloc a;
	int fd, rfd;
	pid_t pid;

	kt_begin();
	if (!tiers_are(KT_TIERS))
		kt_skip_all("needs kpool loaded with tiers=%s", KT_TIERS);
	fd = kt_open();
	kt_expect(kt_alloc_full(fd, 5000, &a), 0, "ALLOC(5000)");
	kt_ok(a.tier == 1 && a.capacity == 2 * KT_PAGE,
	      "the 5000-byte tier has whole pages: tier %u, capacity %" PRIu64,
	      a.tier, (uint64_t)a.capacity);
	kt_stats(fd, &st);
	kt_ok(st.ntiers == 3 && st.tier[1].size == 2 * KT_PAGE,
	      "STATS reports the tier's real size, %" PRIu64, (uint64_t)st.tier[1].size);
	kt_free(fd, a.handle);
	kt_expect(kt_alloc_full(fd, 8192, &a), 0, "ALLOC(8192)");
	kt_ok(a.tier == 1, "8192 bytes fit the rounded tier (tier %u)", a.tier);
	kt_free(fd, a.handle);
	close(fd);

	one_user("this process");
	/* Another process reuses the memory the first one dirtied. */
	pid = kt_spawn(one_user, "another process", &rfd);
	kt_reap(pid, rfd, "another process");
	return kt_end();
}
