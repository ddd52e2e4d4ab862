/*
 * shim_test.h
 *	  What shim_test.c exposes to unit tests: the last error raised.
 */
#ifndef HPTUNE_CORE_SHIM_TEST_H
#define HPTUNE_CORE_SHIM_TEST_H

#include <setjmp.h>
#include "core/shim.h"

extern jmp_buf *core_test_jmp;
extern CoreErrorCode core_test_last_code;
extern char core_test_last_msg[1024];
extern char core_test_last_detail[1024];
extern char core_test_last_hint[1024];

#endif
