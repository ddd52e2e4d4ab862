/*-------------------------------------------------------------------------
 *
 * guc.h
 *	  hptune's settings (hptune.*).
 *
 *-------------------------------------------------------------------------
 */
#ifndef HPTUNE_GUC_H
#define HPTUNE_GUC_H

/* hptune.max_memory, in kB: data and models of one call */
extern int	hptune_max_memory_kb;

/* hptune.blas_threads: OpenBLAS threads in one backend */
extern int	hptune_blas_threads;

#endif							/* HPTUNE_GUC_H */
