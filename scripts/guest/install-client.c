// SPDX-License-Identifier: GPL-2.0
/*
 * The install stage's libkpool user (scripts/check): built against a
 * staged 'make install' with nothing but pkg-config's flags, so it finds
 * <libkpool.h> and <linux/kpool.h> (include/kpool/linux/) where the
 * install put them.
 *
 *   install-client --version   print the header's version and exit
 *   install-client             open /dev/kpool, allocate a buffer, write
 *                              it, read it back, free it; exit 0 if all
 *                              went right
 */
#include <libkpool.h>
#include <stdio.h>
#include <string.h>

#define STR_(x) #x
#define STR(x) STR_(x)

int main(int argc, char **argv)
{
	unsigned char out[4096], in[4096];
	struct kpool kp;
	__u32 h;
	size_t i;
	int err;

	if (argc > 1 && !strcmp(argv[1], "--version")) {
		printf("%s\n", STR(KPOOL_VERSION_MAJOR) "." STR(KPOOL_VERSION_MINOR) "."
		       STR(KPOOL_VERSION_PATCH));
		return 0;
	}
	err = kpool_open(&kp, 0);
	if (err) {
		printf("install-client: kpool_open: %s\n", kpool_strerror(err));
		return 1;
	}
	err = kpool_buf_alloc(&kp, sizeof(out), &h, NULL);
	if (err) {
		printf("install-client: kpool_buf_alloc: %s\n", kpool_strerror(err));
		return 1;
	}
	for (i = 0; i < sizeof(out); i++)
		out[i] = (unsigned char)(i * 7 + 1);
	err = kpool_buf_write(&kp, h, 0, out, sizeof(out));
	if (!err)
		err = kpool_buf_read(&kp, h, 0, in, sizeof(in));
	if (err) {
		printf("install-client: write/read: %s\n", kpool_strerror(err));
		return 1;
	}
	if (memcmp(in, out, sizeof(in))) {
		printf("install-client: the bytes read back differ\n");
		return 1;
	}
	err = kpool_buf_free(&kp, h);
	if (!err)
		err = kpool_close(&kp);
	if (err) {
		printf("install-client: free/close: %s\n", kpool_strerror(err));
		return 1;
	}
	printf("install-client: 4096 bytes written and read back through /dev/kpool\n");
	return 0;
}
