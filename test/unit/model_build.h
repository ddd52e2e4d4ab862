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

/* an uninitialised (zeroed) dataset of nrows x ncols */
static inline Dataset
data_make(int64_t nrows, int ncols)
{
	Dataset		d;

	d.nrows = nrows;
	d.ncols = ncols;
	d.x = core_alloc(nrows * ncols * sizeof(float));
	d.y = core_alloc(nrows * sizeof(float));
	return d;
}

#endif
