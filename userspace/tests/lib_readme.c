// SPDX-License-Identifier: GPL-2.0
/*
 * lib_readme - the code example of README.md, extracted from between its
 * "readme-example" markers at build time (tests/Makefile writes it to
 * $(O)/readme_example.c) and compiled in here, so that it cannot rot: it
 * must build with -Wall -Wextra -Werror, run to exit status 0 and print
 * "payload" against the real device, and leave nothing behind.  Its
 * behaviour without /dev/kpool is checked on the host by
 * 'make -C userspace check'.
 */
#include "kt.h"
#include "libkpool.h"

#define main readme_main
#include "readme_example.c"
#undef main

int main(void)
{
	char out[64] = "";
	int p[2], status = -1;
	ssize_t n = 0, r;
	pid_t pid;

	kt_begin();
	if (!kt_ok(pipe(p) == 0, "pipe for the example's output"))
		return kt_end();
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		if (dup2(p[1], STDOUT_FILENO) < 0)
			_exit(99);
		_exit(readme_main());
	}
	close(p[1]);
	while (pid > 0 && (size_t)n < sizeof(out) - 1 &&
	       (r = read(p[0], out + n, sizeof(out) - 1 - n)) > 0)
		n += r;
	close(p[0]);
	if (pid > 0 && waitpid(pid, &status, 0) != pid)
		status = -1;
	kt_ok(pid > 0 && status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "the README example runs to exit status 0 (%s)",
	      pid > 0 ? kt_status_str(status) : "fork failed");
	kt_ok(!strcmp(out, "payload\n"), "the README example prints \"payload\" (got \"%.*s\")",
	      (int)strcspn(out, "\n"), out);
	return kt_end();
}
