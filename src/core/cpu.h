/*-------------------------------------------------------------------------
 *
 * cpu.h
 *	  The core's one CPU-feature dispatch (pure C).
 *
 * Two mechanisms, one place:
 *
 * - Elementwise loops are written in blocks of CORE_BLOCK floats with a
 *	 constant inner trip count, which GCC and clang vectorise at -O2, and
 *	 marked CORE_CLONES so that a GCC build on x86-64 Linux carries
 *	 AVX-512, AVX2 and baseline versions chosen by the loader at load time
 *	 (no -march=native needed).  Clang and sanitizer builds get the baseline
 *	 only: clang's target_clones does not link for external functions.
 *
 * - Hand-written intrinsics (optimizer updates, one-row products) ask
 *	 cpu_level() once per call and pick the widest kernel the CPU has.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HPTUNE_CORE_CPU_H
#define HPTUNE_CORE_CPU_H

#define CORE_BLOCK 16

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && \
	defined(__linux__) && !defined(__SANITIZE_ADDRESS__) && \
	!defined(CORE_NO_CLONES)
#define CORE_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#define CORE_X86_DISPATCH 1
#else
#define CORE_CLONES
#endif

/* intrinsics kernels are compiled in on x86-64 with GCC or clang */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define CORE_X86_INTRINSICS 1
#endif

typedef enum CpuLevel
{
	CPU_BASELINE = 0,			/* SSE2 on x86-64; anything elsewhere */
	CPU_AVX2 = 1,
	CPU_AVX512 = 2
} CpuLevel;

/* the widest vector unit of this CPU (detected once) */
extern CpuLevel cpu_level(void);

#endif							/* HPTUNE_CORE_CPU_H */
