/*-------------------------------------------------------------------------
 *
 * optim_state.h
 *	  The resumable state of a training run beside its weights: optimizer
 *	  moments, step count, epoch count and dropout stream (optim_state.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef HPTUNE_CORE_OPTIM_STATE_H
#define HPTUNE_CORE_OPTIM_STATE_H

#include "core/model.h"

#define OPTIM_STATE_VERSION 1

/* the trainer's state after its last epoch, as a checksummed blob; allocated */
extern void *trainer_state_serialize(Trainer *t, size_t *len);

/*
 * Put a saved state into a fresh trainer of a model of the same shape and
 * optimizer: the next epoch run is the one after the saved run's last.
 * Everything is validated before anything is changed; any problem raises
 * CORE_ERR_CORRUPTED "invalid optimizer state" with a detail naming it.
 */
extern void trainer_state_restore(Trainer *t, const void *buf, size_t len);

/* the epochs the saved run had trained (after validation) */
extern int64_t optim_state_epochs(const void *buf, size_t len);

#endif							/* HPTUNE_CORE_OPTIM_STATE_H */
