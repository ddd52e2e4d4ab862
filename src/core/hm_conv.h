/*-------------------------------------------------------------------------
 *
 * hm_conv.h
 *	  The image hypermodels: resnet (KerasTuner's HyperResNet), xception
 *	  (HyperXception) and cnn, and what they share (pure C).
 *
 * Each is a HyperModelDef (graph.h): a default search space, a `set` that
 * checks one hyperparameter and keeps it in the config, and a `build` that
 * appends the network to a graph, reading the kept values back and falling
 * back to the space's defaults.  The networks take a rank-3 input (height,
 * width, channels); a rank-1 input is refused with a hint to pass
 * hypermodel_options.input_shape.
 *
 * Downsampling: a layer with a stride above 1 must get an input at least as
 * large as its stride (after taking away any padding added just before
 * it); otherwise the image is too small for the network, which is an error
 * naming the layer, the shape it got and the smallest image the network
 * takes.  Keras would build such a network, with strided layers that see
 * nothing but padding; hptune refuses it.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HPTUNE_CORE_HM_CONV_H
#define HPTUNE_CORE_HM_CONV_H

#include "core/graph.h"

extern const HyperModelDef hypermodel_resnet;
extern const HyperModelDef hypermodel_xception;
extern const HyperModelDef hypermodel_cnn;

/* ---- shared by the builders (hm_common.c) ---- */

/* a search space of up to `cap` definitions */
extern void hm_space_init(HpSpace *s, int cap);
extern HpDef *hm_space_add(HpSpace *s, const char *name, HpKind kind);
extern HpDef *hm_space_int(HpSpace *s, const char *name, int min, int max,
						   int step, int def);
extern HpDef *hm_space_choice_text(HpSpace *s, const char *name,
								   const char *const *choices, int n,
								   const char *def);
extern HpDef *hm_space_choice_number(HpSpace *s, const char *name,
									 const double *choices, int n,
									 bool integers, double def);
/* active only when parent takes one of the n integer values */
extern void hm_space_when_int(HpDef *hp, const char *parent,
							  const int *values, int n);

/* checks of one value; a bad one raises "invalid value for hyperparameter" */
extern void hm_bad_value(const char *name, HpValue v,
						 const char *expected) CORE_NORETURN;
extern double hm_get_number(const char *name, HpValue v, double min,
							double max, const char *expected);
extern int	hm_get_int(const char *name, HpValue v, int min, int max,
					   const char *expected);
extern bool hm_get_bool(const char *name, HpValue v);
/* the index of v (text) among choices */
extern int	hm_get_choice(const char *name, HpValue v,
						  const char *const *choices, int n,
						  const char *expected);

/* the kept value, or the default */
extern int	hm_kept_int(const ModelConfig *c, const char *name, int def);
extern double hm_kept_number(const ModelConfig *c, const char *name,
							 double def);
extern bool hm_kept_bool(const ModelConfig *c, const char *name, bool def);
extern const char *hm_kept_text(const ModelConfig *c, const char *name,
								const char *def);

/* raise unless the input is an image (rank 3) */
extern void hm_require_image(const char *hypermodel,
							 const HyperModelShape *s);

/*
 * The downsampling check above, over a whole graph built for an image of
 * shape s: raises CORE_ERR_INVALID_PARAMETER when a strided layer gets an
 * input smaller than its stride.  build is the hypermodel's build, used to
 * find the smallest square image that passes, for the hint.
 */
extern void hm_check_downsampling(const char *hypermodel, const Graph *g,
								  const ModelConfig *c,
								  const HyperModelShape *s,
								  void (*build) (Graph *, const ModelConfig *,
												 const HyperModelShape *));

/* the first strided layer too large for its input, or -1 */
extern int	hm_first_undersized(const Graph *g);

/* text of "AxBxC" for a shape, allocated */
extern char *hm_shape_text(GraphShape s);

#endif							/* HPTUNE_CORE_HM_CONV_H */
