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

/* hptune.lease_timeout, in seconds: a lease's life without a heart-beat */
extern int	hptune_lease_timeout_s;

/* hptune.max_attempts: hand-outs of a trial before a lapsed lease fails it */
extern int	hptune_max_attempts;

/* hptune.max_workers: most background workers of one search */
extern int	hptune_max_workers;

#endif							/* HPTUNE_GUC_H */
