/*
 * model_build.h
 *	  Builders shared by the model unit tests.
 */
#ifndef HPTUNE_MODEL_BUILD_H
#define HPTUNE_MODEL_BUILD_H

#include <string.h>

#include "core/dataset.h"

/* an encoding of ncols numeric inputs for a task */
static inline DatasetEncoding
enc_make(int ncols, TaskKind task, int nclasses)
{
	DatasetEncoding e;

	memset(&e, 0, sizeof(e));
	e.ncols = ncols;
	e.task = task;
	e.nclasses = nclasses;
	return e;
}

#endif
