/*-------------------------------------------------------------------------
 *
 * hmoptions.h
 *	  hypermodel_options: the shape of the input images, the classes and
 *	  include_top, as KerasTuner's HyperResNet(input_shape=..., classes=...,
 *	  include_top=...) takes them (hmoptions.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef HPTUNE_HMOPTIONS_H
#define HPTUNE_HMOPTIONS_H

#include "postgres.h"

#include "utils/jsonb.h"

#include "core/model.h"
#include "loader.h"

/*
 * Check hypermodel_options (a jsonb object, or NULL for '{}') for the
 * given hypermodel (NULL: a study without one, which takes only '{}') and
 * fill *out.  Raises 22023 naming the bad key.
 */
extern void hmoptions_parse(Jsonb *options, const char *hypermodel,
							HyperModelOptions *out);

/* the same, from the text of hptune.studies.hypermodel_options */
extern void hmoptions_parse_text(const char *json, const char *hypermodel,
								 HyperModelOptions *out);

/* the image hypermodels: resnet, xception, cnn */
extern bool hmoptions_is_image_hypermodel(const char *hypermodel);

/*
 * The options a model is built with, once the data is loaded (include_top
 * false is refused: such a network cannot be trained): without an
 * input_shape, an image hypermodel trained on one two- or three-dimensional
 * array column takes the arrays' shape; with one, the data's width must be
 * its size.  classes, when given, must be the number of classes in the
 * training labels.
 */
extern void hmoptions_resolve(const SearchArgs *args, const TrainData *data,
							  const char *hypermodel, HyperModelOptions *out);

/* "[28, 28, 1]", allocated */
extern char *hmoptions_shape_text(const HyperModelOptions *o);
/* elements of one example of the input_shape (0 when none is given) */
extern int64 hmoptions_input_size(const HyperModelOptions *o);

#endif							/* HPTUNE_HMOPTIONS_H */
