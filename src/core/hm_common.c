/*-------------------------------------------------------------------------
 *
 * hm_common.c
 *	  What the image hypermodels share: building their default search
 *	  spaces, checking and reading back their hyperparameters, and the
 *	  checks of the input image (see hm_conv.h).
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <string.h>
#include <strings.h>

#include "core/hm_conv.h"

/* the largest square image tried when looking for the smallest that fits */
#define HM_MAX_PROBE 4096

/* ---- search spaces ---- */

void
hm_space_init(HpSpace *s, int cap)
{
	s->n = 0;
	s->hps = core_alloc(cap * sizeof(HpDef));
}

HpDef *
hm_space_add(HpSpace *s, const char *name, HpKind kind)
{
	HpDef	   *hp = &s->hps[s->n++];

	memset(hp, 0, sizeof(*hp));
	hp->name = name;
	hp->kind = kind;
	hp->sampling = HP_SAMPLING_LINEAR;
	hp->default_value.type = HPV_NONE;
	return hp;
}

HpDef *
hm_space_int(HpSpace *s, const char *name, int min, int max, int step,
			 int def)
{
	HpDef	   *hp = hm_space_add(s, name, HP_INT);

	hp->min_value = min;
	hp->max_value = max;
	hp->has_step = true;
	hp->step = step;
	hp->default_value = hp_int_value(def);
	return hp;
}

HpDef *
hm_space_choice_text(HpSpace *s, const char *name, const char *const *choices,
					 int n, const char *def)
{
	HpDef	   *hp = hm_space_add(s, name, HP_CHOICE);

	hp->nchoices = n;
	hp->choices = core_alloc(n * sizeof(HpValue));
	for (int i = 0; i < n; i++)
		hp->choices[i] = hp_text_value(choices[i]);
	if (def)
		hp->default_value = hp_text_value(def);
	return hp;
}

HpDef *
hm_space_choice_number(HpSpace *s, const char *name, const double *choices,
					   int n, bool integers, double def)
{
	HpDef	   *hp = hm_space_add(s, name, HP_CHOICE);

	hp->nchoices = n;
	hp->choices = core_alloc(n * sizeof(HpValue));
	for (int i = 0; i < n; i++)
		hp->choices[i] = integers ? hp_int_value((int64_t) choices[i]) :
			hp_float_value(choices[i]);
	hp->ordered = true;
	hp->default_value = integers ? hp_int_value((int64_t) def) :
		hp_float_value(def);
	return hp;
}

void
hm_space_when_int(HpDef *hp, const char *parent, const int *values, int n)
{
	hp->parent_name = parent;
	hp->nparent_values = n;
	hp->parent_values = core_alloc(n * sizeof(HpValue));
	for (int i = 0; i < n; i++)
		hp->parent_values[i] = hp_int_value(values[i]);
}

/* ---- values ---- */

static const char *
hm_value_text(HpValue v)
{
	switch (v.type)
	{
		case HPV_INT:
			return core_psprintf("%lld", (long long) v.i);
		case HPV_FLOAT:
			return core_psprintf("%g", v.f);
		case HPV_TEXT:
			return core_psprintf("\"%s\"", v.s ? v.s : "");
		case HPV_BOOL:
			return v.b ? "true" : "false";
		case HPV_NONE:
			break;
	}
	return "none";
}

void
hm_bad_value(const char *name, HpValue v, const char *expected)
{
	core_error(CORE_ERR_INVALID_PARAMETER,
			   core_psprintf("invalid value for hyperparameter \"%s\"", name),
			   core_psprintf("The value is %s; \"%s\" must be %s.",
							 hm_value_text(v), name, expected),
			   "Change the hyperparameter's range or value in the study's search space.");
}

double
hm_get_number(const char *name, HpValue v, double min, double max,
			  const char *expected)
{
	double		d;

	if (v.type == HPV_INT)
		d = (double) v.i;
	else if (v.type == HPV_FLOAT)
		d = v.f;
	else
		hm_bad_value(name, v, expected);
	if (!(d >= min && d <= max))
		hm_bad_value(name, v, expected);
	return d;
}

int
hm_get_int(const char *name, HpValue v, int min, int max,
		   const char *expected)
{
	double		d = hm_get_number(name, v, min, max, expected);

	if (d != floor(d))
		hm_bad_value(name, v, expected);
	return (int) d;
}

bool
hm_get_bool(const char *name, HpValue v)
{
	if (v.type == HPV_BOOL)
		return v.b;
	if (v.type == HPV_INT && (v.i == 0 || v.i == 1))
		return v.i == 1;
	if (v.type == HPV_TEXT && v.s &&
		(strcasecmp(v.s, "true") == 0 || strcasecmp(v.s, "false") == 0))
		return strcasecmp(v.s, "true") == 0;
	hm_bad_value(name, v, "a boolean");
}

int
hm_get_choice(const char *name, HpValue v, const char *const *choices, int n,
			  const char *expected)
{
	if (v.type == HPV_TEXT && v.s)
		for (int i = 0; i < n; i++)
			if (strcmp(v.s, choices[i]) == 0)
				return i;
	hm_bad_value(name, v, expected);
}

int
hm_kept_int(const ModelConfig *c, const char *name, int def)
{
	HpValue		v;

	if (!model_config_get(c, name, &v))
		return def;
	return v.type == HPV_FLOAT ? (int) v.f : (int) v.i;
}

double
hm_kept_number(const ModelConfig *c, const char *name, double def)
{
	HpValue		v;

	if (!model_config_get(c, name, &v))
		return def;
	return v.type == HPV_INT ? (double) v.i : v.f;
}

bool
hm_kept_bool(const ModelConfig *c, const char *name, bool def)
{
	HpValue		v;

	if (!model_config_get(c, name, &v))
		return def;
	return hm_get_bool(name, v);
}

const char *
hm_kept_text(const ModelConfig *c, const char *name, const char *def)
{
	HpValue		v;

	if (!model_config_get(c, name, &v) || v.type != HPV_TEXT)
		return def;
	return v.s;
}

/* ---- the input image ---- */

char *
hm_shape_text(GraphShape s)
{
	if (s.rank == 3)
		return core_psprintf("%dx%dx%d", s.h, s.w, s.c);
	return core_psprintf("%d", s.c);
}

void
hm_require_image(const char *hypermodel, const HyperModelShape *s)
{
	if (s->input.rank != 3)
		core_error(CORE_ERR_INVALID_PARAMETER,
				   core_psprintf("hypermodel \"%s\" needs images", hypermodel),
				   core_psprintf("The input is a vector of %d values, without an image shape.",
								 s->input.c),
				   "Pass hypermodel_options => '{\"input_shape\": [28, 28, 1]}' with the height, width and channels of the images, or give each image as a two- or three-dimensional array.");
}

static bool
hm_strided(const GraphLayer *l)
{
	switch (l->kind)
	{
		case LAYER_CONV2D:
		case LAYER_DEPTHWISE_CONV2D:
		case LAYER_SEPARABLE_CONV2D:
		case LAYER_MAX_POOLING2D:
		case LAYER_AVERAGE_POOLING2D:
			return l->strides[0] > 1 || l->strides[1] > 1;
		default:
			return false;
	}
}

int
hm_first_undersized(const Graph *g)
{
	for (int i = 1; i < g->nlayers; i++)
	{
		const GraphLayer *l = &g->layers[i];
		int			h = l->in.h;
		int			w = l->in.w;

		if (!hm_strided(l))
			continue;
		/* padding added just before the layer is not image */
		if (g->layers[l->inputs[0]].kind == LAYER_ZERO_PADDING2D)
		{
			const GraphLayer *p = &g->layers[l->inputs[0]];

			h -= p->pad[0] + p->pad[1];
			w -= p->pad[2] + p->pad[3];
		}
		if (h < l->strides[0] || w < l->strides[1])
			return i;
	}
	return -1;
}

void
hm_check_downsampling(const char *hypermodel, const Graph *g,
					  const ModelConfig *c, const HyperModelShape *s,
					  void (*build) (Graph *, const ModelConfig *,
									 const HyperModelShape *))
{
	int			bad = hm_first_undersized(g);
	const GraphLayer *l;
	int			side = -1;
	GraphShape	in;

	if (bad < 0)
		return;
	l = &g->layers[bad];
	in = l->in;
	if (g->layers[l->inputs[0]].kind == LAYER_ZERO_PADDING2D)
		in = g->layers[l->inputs[0]].in;

	/* the smallest square image of these channels the network takes */
	for (int n = (s->input.h > s->input.w ? s->input.h : s->input.w) + 1; n <= HM_MAX_PROBE; n++)
	{
		HyperModelShape probe = *s;
		Graph	   *pg = graph_create();
		bool		fits;

		probe.input.h = probe.input.w = n;
		build(pg, c, &probe);
		fits = hm_first_undersized(pg) < 0;
		graph_free(pg);
		if (fits)
		{
			side = n;
			break;
		}
	}
	core_error(CORE_ERR_INVALID_PARAMETER,
			   core_psprintf("input shape %s is too small for hypermodel \"%s\"",
							 hm_shape_text(s->input), hypermodel),
			   core_psprintf("Layer \"%s\" has stride %dx%d but gets a %dx%d input.",
							 l->name, l->strides[0], l->strides[1], in.h, in.w),
			   side > 0 ?
			   core_psprintf("Pass images of at least %dx%d pixels%s.", side, side,
							 strcmp(hypermodel, "cnn") == 0 ? ", or use fewer conv blocks" : "") :
			   "Pass larger images.");
}
