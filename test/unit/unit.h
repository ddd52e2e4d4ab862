/*
 * unit.h
 *	  A minimal harness for the core's unit tests.
 *
 * Each test file defines test functions with TEST(name) and lists them in
 * main() with RUN(name).  CHECK records a failure and goes on; EXPECT_ERROR
 * runs a statement that must raise a core error of the given code.  main()
 * ends with UNIT_DONE(), which prints "N passed, N failed" and sets the exit
 * status.
 */
#ifndef HPTUNE_UNIT_H
#define HPTUNE_UNIT_H

#include <math.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include "core/shim_test.h"

static int	unit_passed;
static int	unit_failed;
static int	unit_current_failed;

#define TEST(name) static void name(void)

#define RUN(name) \
	do { \
		unit_current_failed = 0; \
		name(); \
		if (unit_current_failed) { unit_failed++; printf("not ok - %s\n", #name); } \
		else { unit_passed++; printf("ok - %s\n", #name); } \
	} while (0)

#define CHECK(cond) \
	do { \
		if (!(cond)) { \
			unit_current_failed = 1; \
			printf("  %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
		} \
	} while (0)

#define CHECK_NEAR(a, b, tol) \
	do { \
		double _a = (a), _b = (b); \
		if (!(fabs(_a - _b) <= (tol))) { \
			unit_current_failed = 1; \
			printf("  %s:%d: %s = %.17g, expected %.17g (tol %g)\n", \
				   __FILE__, __LINE__, #a, _a, _b, (double) (tol)); \
		} \
	} while (0)

#define CHECK_STR(a, b) \
	do { \
		const char *_a = (a), *_b = (b); \
		if (strcmp(_a, _b) != 0) { \
			unit_current_failed = 1; \
			printf("  %s:%d: %s = \"%s\", expected \"%s\"\n", \
				   __FILE__, __LINE__, #a, _a, _b); \
		} \
	} while (0)

/* run stmt; it must raise a core error with this code */
#define EXPECT_ERROR(code, stmt) \
	do { \
		jmp_buf _jb; \
		jmp_buf *_saved = core_test_jmp; \
		core_test_jmp = &_jb; \
		if (setjmp(_jb) == 0) { \
			stmt; \
			core_test_jmp = _saved; \
			unit_current_failed = 1; \
			printf("  %s:%d: no error from %s\n", __FILE__, __LINE__, #stmt); \
		} else { \
			core_test_jmp = _saved; \
			if (core_test_last_code != (code)) { \
				unit_current_failed = 1; \
				printf("  %s:%d: error code %d, expected %d (%s)\n", __FILE__, \
					   __LINE__, (int) core_test_last_code, (int) (code), core_test_last_msg); \
			} \
		} \
	} while (0)

#define UNIT_DONE() \
	do { \
		printf("%d passed, %d failed\n", unit_passed, unit_failed); \
		return unit_failed ? 1 : 0; \
	} while (0)

#endif
