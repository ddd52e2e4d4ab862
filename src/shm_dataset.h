/*-------------------------------------------------------------------------
 *
 * shm_dataset.h
 *	  A search's training data in its workers' shared memory segment
 *	  (shm_dataset.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef HPTUNE_SHM_DATASET_H
#define HPTUNE_SHM_DATASET_H

#include "storage/shm_toc.h"

#include "loader.h"

extern void shm_dataset_estimate(shm_toc_estimator *e, const TrainData *d,
								 const SearchArgs *a);
extern void shm_dataset_store(shm_toc *toc, const TrainData *d, const SearchArgs *a);
extern bool shm_dataset_attach(shm_toc *toc, TrainData **data, SearchArgs **args);

#endif							/* HPTUNE_SHM_DATASET_H */
