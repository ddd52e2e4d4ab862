/*-------------------------------------------------------------------------
 *
 * hypermodels.c
 *	  The registry of built-in hypermodels, indexed by HyperModelKind
 *	  (pure C).
 *
 * A hypermodel is a HyperModelDef (graph.h): its name, its default search
 * space, how it reads a trial's values and how it builds its graph.  The
 * order here is the HyperModelKind order, which model blobs store: new
 * hypermodels are added at the end.
 *
 *-------------------------------------------------------------------------
 */
#include "core/hm_conv.h"
#include "core/model_internal.h"

const HyperModelDef *const hypermodel_defs[] = {
	&hypermodel_mlp,
	&hypermodel_linear,
	&hypermodel_resnet,
	&hypermodel_xception,
	&hypermodel_cnn
};

const int	hypermodel_count = sizeof(hypermodel_defs) / sizeof(hypermodel_defs[0]);
