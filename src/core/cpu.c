/*-------------------------------------------------------------------------
 *
 * cpu.c
 *	  Which vector unit this CPU has, detected once (see cpu.h).
 *
 *-------------------------------------------------------------------------
 */
#include "core/cpu.h"

#ifdef CORE_X86_INTRINSICS
/* -1: not yet known */
static int	cpu_detected = -1;

CpuLevel
cpu_level(void)
{
	if (cpu_detected < 0)
	{
		__builtin_cpu_init();
		if (__builtin_cpu_supports("avx512f"))
			cpu_detected = CPU_AVX512;
		else if (__builtin_cpu_supports("avx2"))
			cpu_detected = CPU_AVX2;
		else
			cpu_detected = CPU_BASELINE;
	}
	return (CpuLevel) cpu_detected;
}
#else
CpuLevel
cpu_level(void)
{
	return CPU_BASELINE;
}
#endif
