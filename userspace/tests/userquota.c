// SPDX-License-Identifier: GPL-2.0
/*
 * userquota - the per-user bound (max_user_bytes) and quota charges that
 * never overshoot.  kpool is loaded with max_user_bytes=1048576 and
 * max_file_bytes=524288 (scripts/guest/usertests.sh).
 *
 * An unprivileged user (uid 1000) loops open -> ALLOC to the file quota ->
 * mmap one buffer -> EXPORT another and park the fd in a unix socket that
 * nobody reads -> close.  Without a per-user bound every round pinned more
 * memory with no kpool file open; with it the user stops at 1 MiB, while
 * another user (uid 1001) still gets a whole file quota.  Then threads
 * race a small ALLOC against a large one that cannot fit: the large one
 * must never make the small one fail.
 */
#include "kt.h"

#include <pthread.h>
#include <sys/socket.h>

#define KT_USER_MAX	(1UL << 20)
#define KT_FILE_MAX	(512UL << 10)
#define KT_BUF		32768UL
#define KT_ROUNDS	32

static uint64_t bytes_now(void)
{
	struct kpool_stats s;

	return kt_stats_now(&s) ? 0 : s.bytes_in_use;
}

static int become(uid_t uid)
{
	return setresgid(uid, uid, uid) || setresuid(uid, uid, uid) ? -errno : 0;
}

struct pinner {
	int ctl[2];	/* parent -> child: 'G' when the child may clean up */
	int done[2];	/* child -> parent: 'F' when it is as full as it gets */
};

/* uid 1000: pin what it can through closed files, then let it all go. */
static void pinner(void *arg)
{
	struct pinner *p = arg;
	void *maps[KT_ROUNDS];
	int socks[KT_ROUNDS][2];
	int round, nmaps = 0, nsocks = 0, refused = 0, first_err = 0;
	uint64_t start = bytes_now(), peak = 0;

	if (become(1000)) {
		kt_ok(0, "uid 1000: setresuid: %s", strerror(errno));
		kt_send_byte(p->done[1], 'F');
		return;
	}
	for (round = 0; round < KT_ROUNDS && !refused; round++) {
		uint32_t h[KT_FILE_MAX / KT_BUF];
		int fd = kt_open(), n = 0, efd, err, ret = 0;

		while (n < (int)KT_ARRAY_SIZE(h) &&
		       !(ret = kt_alloc(fd, KT_BUF, &h[n])))
			n++;
		if (!n) {
			refused = 1;
			first_err = ret;
			close(fd);
			break;
		}
		maps[nmaps] = kt_mmap(fd, KT_BUF, (uint64_t)h[0] * KT_PAGE, &err);
		if (maps[nmaps])
			nmaps++;
		/* Parked in a socket nobody reads, the file stays alive. */
		if (n > 1 && !kt_export(fd, h[1], O_CLOEXEC, &efd)) {
			if (!socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
					socks[nsocks]) &&
			    !kt_send_fd(socks[nsocks][0], efd))
				nsocks++;
			close(efd);
		}
		close(fd);
		if (bytes_now() - start > peak)
			peak = bytes_now() - start;
	}
	kt_diag("uid 1000: %d rounds, %d mappings and %d parked exports, peak %" PRIu64 " bytes",
		round, nmaps, nsocks, peak);
	kt_ok(refused && first_err == -EDQUOT,
	      "uid 1000: after %d open/ALLOC/mmap/EXPORT/close rounds a new file's first ALLOC gets EDQUOT (%s)",
	      round, kt_errname(-first_err));
	kt_ok(peak <= KT_USER_MAX && peak > KT_USER_MAX - 2 * KT_BUF,
	      "uid 1000: memory pinned with no kpool file open stops at max_user_bytes (%" PRIu64 " of %lu)",
	      peak, KT_USER_MAX);

	kt_send_byte(p->done[1], 'F');
	kt_recv_byte(p->ctl[0]);
	while (nmaps--)
		munmap(maps[nmaps], KT_BUF);
	while (nsocks--) {
		close(socks[nsocks][0]);
		close(socks[nsocks][1]);
	}
}

/* Another user, while uid 1000 is full: a whole file quota. */
static void bystander(void *arg)
{
	uid_t uid = (uid_t)(uintptr_t)arg;
	uint32_t h[KT_FILE_MAX / KT_BUF];
	int fd, n = 0;

	if (become(uid)) {
		kt_ok(0, "uid %u: setresuid: %s", uid, strerror(errno));
		return;
	}
	fd = kt_open();
	while (n < (int)KT_ARRAY_SIZE(h) && !kt_alloc(fd, KT_BUF, &h[n]))
		n++;
	kt_ok(n == (int)KT_ARRAY_SIZE(h),
	      "uid %u is unaffected: %d x 32 KiB (its whole file quota) while uid 1000 is at its limit",
	      uid, n);
	close(fd);
}

static void per_user_bound(void)
{
	struct kpool_stats before;
	struct pinner p;
	pid_t pid, other;
	int rfd, orfd;

	kt_stats_now(&before);
	if (pipe2(p.ctl, O_CLOEXEC) || pipe2(p.done, O_CLOEXEC)) {
		kt_ok(0, "pipes");
		return;
	}
	pid = kt_spawn(pinner, &p, &rfd);
	kt_recv_byte(p.done[0]);
	other = kt_spawn(bystander, (void *)(uintptr_t)1001, &orfd);
	kt_reap(other, orfd, "uid 1001");
	kt_send_byte(p.ctl[1], 'G');
	kt_reap(pid, rfd, "uid 1000");
	kt_state_is(&before, 2000, "uid 1000's mappings and parked exports gone: everything back");
	/* The user's charge is gone with its buffers: a full quota again. */
	other = kt_spawn(bystander, (void *)(uintptr_t)1000, &orfd);
	kt_reap(other, orfd, "uid 1000 again");
	close(p.ctl[0]);
	close(p.ctl[1]);
	close(p.done[0]);
	close(p.done[1]);
}

struct racer {
	int fd;
	volatile int stop;
	int big_other;
};

static void *big_allocs(void *arg)
{
	struct racer *r = arg;
	uint32_t h;

	/* 600 KiB goes to the 1 MiB tier: it can never fit the quota. */
	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		int ret = kt_alloc(r->fd, 600 << 10, &h);

		if (!ret)
			kt_free(r->fd, h);
		else if (ret != -EDQUOT)
			r->big_other++;
	}
	return NULL;
}

static void no_overshoot(void)
{
	struct racer r = { .fd = kt_open() };
	uint32_t held[KT_FILE_MAX / KT_BUF - 1], h;
	int i, n = 0, spurious = 0, iters = 3000;
	pthread_t t;

	while (n < (int)KT_ARRAY_SIZE(held) && !kt_alloc(r.fd, KT_BUF, &held[n]))
		n++;
	kt_ok(n == (int)KT_ARRAY_SIZE(held), "a file holds %d x 32 KiB, one short of its quota", n);
	pthread_create(&t, NULL, big_allocs, &r);
	for (i = 0; i < iters; i++) {
		int ret = kt_alloc(r.fd, KT_BUF, &h);

		if (ret)
			spurious++;
		else
			kt_free(r.fd, h);
	}
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	kt_ok(!spurious && !r.big_other,
	      "%d ALLOCs that fit never failed while another thread's ALLOC that cannot fit was refused (%d failed, %d odd answers)",
	      iters, spurious, r.big_other);
	for (i = 0; i < n; i++)
		kt_free(r.fd, held[i]);
	close(r.fd);
}

int main(void)
{
	unsigned long long user_max = 0, file_max = 0;

	kt_begin();
	if (kt_param("max_user_bytes", &user_max) ||
	    kt_param("max_file_bytes", &file_max) ||
	    user_max != KT_USER_MAX || file_max != KT_FILE_MAX)
		kt_skip_all("needs kpool loaded with max_user_bytes=%lu max_file_bytes=%lu",
			    KT_USER_MAX, KT_FILE_MAX);
	if (geteuid())
		kt_skip_all("needs root, to run as uid 1000 and 1001");
	per_user_bound();
	no_overshoot();
	return kt_end();
}
