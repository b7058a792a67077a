/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kt_lib.h - shared by the tests of libkpool (lib_*.c): LIB(call) runs a
 * library call with errno set to a sentinel and counts the calls that
 * changed it, since libkpool promises to leave errno alone.  Each test is
 * one translation unit, so each has its own counter.
 */
#ifndef KT_LIB_H
#define KT_LIB_H

#include <errno.h>

#include "kt.h"

#define SENTINEL 4242
static int errno_touched;

#define LIB(call)							\
	({								\
		__typeof__(call) r_;					\
		errno = SENTINEL;					\
		r_ = (call);						\
		if (errno != SENTINEL) {				\
			errno_touched++;				\
			kt_diag("errno changed by %s", #call);		\
		}							\
		r_;							\
	})

#endif /* KT_LIB_H */
