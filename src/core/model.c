/*-------------------------------------------------------------------------
 *
 * model.c
 *	  The built-in hypermodels: their search spaces, their configuration
 *	  from hyperparameters, and the network they build (pure C).
 *
 * A hypermodel is a name ("mlp", "linear"), a default search space (the
 * KerasTuner guide's build_model for mlp), and a reading of hyperparameter
 * values into a ModelConfig.  Reading is by name, one value at a time, so
 * the caller can hand over a trial's values as they come and learn which
 * names the hypermodel ignored.  Every value is checked here, so a bad
 * combination fails the trial with a message before any memory is spent.
 *
 * A hypermodel's network is a layer graph (graph.h) its build function
 * appends; mlp and linear build Dense stacks.  Inference runs in chunks of
 * rows (model_chunk_rows) through buffers cached in the Model
 * (graph_exec.c), so predicting one row at a
 * time, as SQL does, allocates nothing after the first call.  Training is
 * in train.c; the blob format in model_format.c.
 *
 *-------------------------------------------------------------------------
 */
#include "core/model_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *model_activation_names[] = {
	"relu", "tanh", "sigmoid", "elu", "selu", "gelu", "linear"
};
static const char *model_optimizer_names[] = {
	"adam", "sgd", "rmsprop", "adagrad", "adamw"
};

#define MODEL_LENGTHOF(a) ((int) (sizeof(a) / sizeof((a)[0])))

static bool
model_lookup(const char *name, const char **names, int n, int *out)
{
	if (name == NULL)
		return false;
	for (int i = 0; i < n; i++)
		if (strcasecmp(name, names[i]) == 0)
		{
			*out = i;
			return true;
		}
	return false;
}

bool
hypermodel_from_name(const char *name, HyperModelKind *kind)
{
	if (name == NULL)
		return false;
	for (int i = 0; i < hypermodel_count; i++)
		if (strcasecmp(name, hypermodel_defs[i]->name) == 0)
		{
			*kind = (HyperModelKind) i;
			return true;
		}
	return false;
}

const char *
hypermodel_name(HyperModelKind kind)
{
	return (unsigned) kind < (unsigned) hypermodel_count
		? hypermodel_defs[kind]->name : "unknown";
}

const char *
hypermodel_names(void)
{
	static char buf[256];

	buf[0] = '\0';
	for (int i = 0; i < hypermodel_count; i++)
	{
		if (i > 0)
			strncat(buf, ", ", sizeof(buf) - strlen(buf) - 1);
		strncat(buf, hypermodel_defs[i]->name, sizeof(buf) - strlen(buf) - 1);
	}
	return buf;
}

bool
activation_from_name(const char *name, Activation *a)
{
	int			i;

	if (!model_lookup(name, model_activation_names,
					  MODEL_LENGTHOF(model_activation_names), &i))
		return false;
	*a = (Activation) i;
	return true;
}

const char *
activation_name(Activation a)
{
	return (unsigned) a <= ACT_LINEAR ? model_activation_names[a] : "unknown";
}

bool
optimizer_from_name(const char *name, OptimizerKind *o)
{
	int			i;

	if (!model_lookup(name, model_optimizer_names,
					  MODEL_LENGTHOF(model_optimizer_names), &i))
		return false;
	*o = (OptimizerKind) i;
	return true;
}

const char *
optimizer_name(OptimizerKind o)
{
	return (unsigned) o <= OPT_ADAMW ? model_optimizer_names[o] : "unknown";
}

/* ---- default search spaces ---- */


static HpDef *
model_space_add(HpSpace *s, const char *name, HpKind kind)
{
	HpDef	   *hp = &s->hps[s->n++];

	memset(hp, 0, sizeof(*hp));
	hp->name = name;
	hp->kind = kind;
	hp->sampling = HP_SAMPLING_LINEAR;
	hp->default_value.type = HPV_NONE;
	return hp;
}

static void
model_space_units(HpSpace *s, const char *name, int nparents)
{
	HpDef	   *hp = model_space_add(s, name, HP_INT);

	hp->min_value = 32;
	hp->max_value = 512;
	hp->has_step = true;
	hp->step = 32;
	if (nparents > 0)
	{
		/* units_i is active when num_layers > i: values i+1 .. 3 */
		hp->parent_name = "num_layers";
		hp->nparent_values = nparents;
		hp->parent_values = core_alloc(nparents * sizeof(HpValue));
		for (int i = 0; i < nparents; i++)
			hp->parent_values[i] = hp_int_value(4 - nparents + i);
	}
}

void
hypermodel_default_space(HyperModelKind kind, HpSpace *out)
{
	hypermodel_defs[kind]->default_space(out);
}

static void
model_dense_space(HyperModelKind kind, HpSpace *out)
{
	HpDef	   *hp;

	out->n = 0;
	out->hps = core_alloc(8 * sizeof(HpDef));
	if (kind == HYPERMODEL_MLP)
	{
		hp = model_space_add(out, "num_layers", HP_INT);
		hp->min_value = 1;
		hp->max_value = 3;
		hp->has_step = true;
		hp->step = 1;
		model_space_units(out, "units_0", 0);
		model_space_units(out, "units_1", 2);
		model_space_units(out, "units_2", 1);
		hp = model_space_add(out, "activation", HP_CHOICE);
		hp->nchoices = 2;
		hp->choices = core_alloc(2 * sizeof(HpValue));
		hp->choices[0] = hp_text_value("relu");
		hp->choices[1] = hp_text_value("tanh");
		model_space_add(out, "dropout", HP_BOOLEAN);
		hp = model_space_add(out, "lr", HP_FLOAT);
		hp->min_value = 1e-4;
		hp->max_value = 1e-2;
		hp->sampling = HP_SAMPLING_LOG;
	}
	else
	{
		static const double l2s[] = {0.0, 1e-5, 1e-4, 1e-3, 1e-2};

		hp = model_space_add(out, "learning_rate", HP_FLOAT);
		hp->min_value = 1e-4;
		hp->max_value = 1e-1;
		hp->sampling = HP_SAMPLING_LOG;
		hp->default_value = hp_float_value(0.01);
		hp = model_space_add(out, "l2", HP_CHOICE);
		hp->nchoices = MODEL_LENGTHOF(l2s);
		hp->choices = core_alloc(hp->nchoices * sizeof(HpValue));
		for (int i = 0; i < hp->nchoices; i++)
			hp->choices[i] = hp_float_value(l2s[i]);
		hp->ordered = true;
		hp->default_value = hp_float_value(0.0);
	}
}

/* ---- configuration ---- */

void
model_config_init(ModelConfig *c, HyperModelKind kind, int batch_size)
{
	memset(c, 0, sizeof(*c));
	c->kind = kind;
	c->num_layers = kind == HYPERMODEL_MLP ? 1 : 0;
	for (int i = 0; i < MODEL_MAX_LAYERS; i++)
		c->units[i] = 32;
	c->activation = ACT_RELU;
	c->options.include_top = true;
	c->dropout_rate = 0.0;
	c->learning_rate = kind == HYPERMODEL_MLP ? 1e-3 : 0.01;
	c->optimizer = OPT_ADAM;
	c->momentum = 0.0;
	c->batch_size = batch_size;
	c->normalize = false;
	c->shuffle = true;
	c->seed = 0;
	if ((unsigned) kind < (unsigned) hypermodel_count && hypermodel_defs[kind]->config_init)
		hypermodel_defs[kind]->config_init(c);
}

static const char *
model_value_text(HpValue v)
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

static void model_bad_value(const char *name, HpValue v,
							const char *expected) CORE_NORETURN;

static void
model_bad_value(const char *name, HpValue v, const char *expected)
{
	core_error(CORE_ERR_INVALID_PARAMETER,
			   core_psprintf("invalid value for hyperparameter \"%s\"", name),
			   core_psprintf("The value is %s; \"%s\" must be %s.",
							 model_value_text(v), name, expected),
			   "Change the hyperparameter's range or value in the study's search space.");
}

static double
model_get_number(const char *name, HpValue v, double min, double max,
				 bool min_open, const char *expected)
{
	double		d;

	if (v.type == HPV_INT)
		d = (double) v.i;
	else if (v.type == HPV_FLOAT)
		d = v.f;
	else
		model_bad_value(name, v, expected);
	if (!(d >= min && d <= max) || (min_open && d == min))
		model_bad_value(name, v, expected);
	return d;
}

static int
model_get_int(const char *name, HpValue v, int min, int max,
			  const char *expected)
{
	double		d = model_get_number(name, v, min, max, false, expected);

	if (d != floor(d))
		model_bad_value(name, v, expected);
	return (int) d;
}

static bool
model_get_bool(const char *name, HpValue v)
{
	if (v.type == HPV_BOOL)
		return v.b;
	if (v.type == HPV_INT && (v.i == 0 || v.i == 1))
		return v.i == 1;
	if (v.type == HPV_TEXT && v.s &&
		(strcasecmp(v.s, "true") == 0 || strcasecmp(v.s, "false") == 0))
		return strcasecmp(v.s, "true") == 0;
	model_bad_value(name, v, "a boolean");
}

/* names both hypermodels read */
static bool
model_config_set_training(ModelConfig *c, const char *name, HpValue v)
{
	if (strcmp(name, "learning_rate") == 0 || strcmp(name, "lr") == 0)
		c->learning_rate = model_get_number(name, v, 0.0, 1e6, true,
											"a positive number");
	else if (strcmp(name, "optimizer") == 0)
	{
		if (v.type != HPV_TEXT || !optimizer_from_name(v.s, &c->optimizer))
			model_bad_value(name, v, "one of adam, sgd, rmsprop, adagrad, adamw");
	}
	else if (strcmp(name, "momentum") == 0)
		c->momentum = model_get_number(name, v, 0.0, 1.0, false,
									   "a number between 0 and 1");
	else if (strcmp(name, "batch_size") == 0)
		c->batch_size = model_get_int(name, v, 1, MODEL_MAX_BATCH_SIZE,
									  "an integer between 1 and 1048576");
	else if (strcmp(name, "l1") == 0)
		c->l1 = model_get_number(name, v, 0.0, 1e6, false,
								 "a non-negative number");
	else if (strcmp(name, "l2") == 0)
		c->l2 = model_get_number(name, v, 0.0, 1e6, false,
								 "a non-negative number");
	else if (strcmp(name, "normalize") == 0)
		c->normalize = model_get_bool(name, v);
	else if (strcmp(name, "shuffle") == 0)
		c->shuffle = model_get_bool(name, v);
	else
		return false;
	return true;
}

/* i for "units_<i>" with i below MODEL_MAX_LAYERS, else -1 */
static int
model_units_index(const char *name)
{
	const char *p = name + 6;
	int			layer = 0;

	if (strncmp(name, "units_", 6) != 0 || *p == '\0' || strlen(p) > 2 ||
		(p[0] == '0' && p[1] != '\0'))
		return -1;
	for (; *p; p++)
	{
		if (*p < '0' || *p > '9')
			return -1;
		layer = layer * 10 + (*p - '0');
	}
	return layer < MODEL_MAX_LAYERS ? layer : -1;
}

/* does the hypermodel read this name? */
static bool
model_config_reads(HyperModelKind kind, const char *name)
{
	static const char *training[] = {
		"learning_rate", "lr", "optimizer", "momentum", "batch_size", "l1",
		"l2", "normalize", "shuffle"
	};
	static const char *network[] = {
		"num_layers", "units", "activation", "dropout", "dropout_rate"
	};
	int			i;

	if (model_lookup(name, training, MODEL_LENGTHOF(training), &i))
		return true;
	return kind == HYPERMODEL_MLP &&
		(model_lookup(name, network, MODEL_LENGTHOF(network), &i) ||
		 model_units_index(name) >= 0);
}

/* names only the mlp reads */
static bool
model_config_set_network(ModelConfig *c, const char *name, HpValue v)
{
	if (strcmp(name, "num_layers") == 0)
		c->num_layers = model_get_int(name, v, 0, MODEL_MAX_LAYERS,
									  "an integer between 0 and 16");
	else if (strcmp(name, "units") == 0)
	{
		int			u = model_get_int(name, v, 1, MODEL_MAX_UNITS,
									  "an integer between 1 and 65536");

		for (int i = 0; i < MODEL_MAX_LAYERS; i++)
			c->units[i] = u;
	}
	else if (model_units_index(name) >= 0)
		c->units[model_units_index(name)] =
			model_get_int(name, v, 1, MODEL_MAX_UNITS,
						  "an integer between 1 and 65536");
	else if (strcmp(name, "activation") == 0)
	{
		if (v.type != HPV_TEXT || !activation_from_name(v.s, &c->activation))
			model_bad_value(name, v,
							"one of relu, tanh, sigmoid, elu, selu, gelu, linear");
	}
	else if (strcmp(name, "dropout") == 0)
	{
		if (v.type == HPV_FLOAT)
			c->dropout_rate = model_get_number(name, v, 0.0, 0.99, false,
											   "a boolean or a rate from 0 to 0.99");
		else
			c->dropout_rate = model_get_bool(name, v) ? 0.25 : 0.0;
	}
	else if (strcmp(name, "dropout_rate") == 0)
		c->dropout_rate = model_get_number(name, v, 0.0, 0.99, false,
										   "a number from 0 to 0.99");
	else
		return false;
	return true;
}

bool
model_config_set(ModelConfig *c, const char *name, HpValue value)
{
	if (name == NULL)
		return false;
	if (value.type == HPV_NONE)
		return model_config_reads(c->kind, name) ||
			(c->kind > HYPERMODEL_LINEAR && hypermodel_defs[c->kind]->set(c, name, value));
	if (model_config_set_training(c, name, value))
		return true;
	return hypermodel_defs[c->kind]->set(c, name, value);
}

void
model_config_keep(ModelConfig *c, const char *name, HpValue v)
{
	for (int i = 0; i < c->nkept; i++)
		if (strcmp(c->kept[i].name, name) == 0)
		{
			c->kept[i].value = v;
			return;
		}
	if (c->nkept >= MODEL_MAX_KEPT)
		core_error(CORE_ERR_PROGRAM_LIMIT, "too many hyperparameters",
				   model_detail("A hypermodel keeps at most %d values.", MODEL_MAX_KEPT),
				   NULL);
	c->kept[c->nkept].name = name;
	c->kept[c->nkept].value = v;
	c->nkept++;
}

bool
model_config_get(const ModelConfig *c, const char *name, HpValue *v)
{
	for (int i = 0; i < c->nkept; i++)
		if (strcmp(c->kept[i].name, name) == 0)
		{
			*v = c->kept[i].value;
			return true;
		}
	return false;
}

/* ---- mlp and linear ---- */

static void
model_mlp_space(HpSpace *out)
{
	model_dense_space(HYPERMODEL_MLP, out);
}

static void
model_linear_space(HpSpace *out)
{
	model_dense_space(HYPERMODEL_LINEAR, out);
}

static bool
model_mlp_set(ModelConfig *c, const char *name, HpValue v)
{
	return model_config_set_network(c, name, v);
}

static bool
model_linear_set(ModelConfig *c, const char *name, HpValue v)
{
	return false;
}

const HyperModelDef hypermodel_mlp = {
	"mlp", model_mlp_space, NULL, model_mlp_set, hypermodel_dense_build
};

const HyperModelDef hypermodel_linear = {
	"linear", model_linear_space, NULL, model_linear_set, hypermodel_dense_build
};

/* ---- the network ---- */

/*
 * printf into a static buffer: the details of errors that a hostile model
 * blob can trigger must not allocate (see model_format.c).
 */
const char *
model_vdetail(const char *fmt, va_list ap)
{
	static char buf[512];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	return buf;
}

const char *
model_detail(const char *fmt,...)
{
	va_list		ap;
	const char *detail;

	va_start(ap, fmt);
	detail = model_vdetail(fmt, ap);
	va_end(ap);
	return detail;
}

/* raise `code` when a config cannot describe a network */
void
model_check_config(const ModelConfig *c, CoreErrorCode code)
{
	const char *problem = NULL;

	if ((unsigned) c->kind >= (unsigned) hypermodel_count)
		problem = "The hypermodel kind is unknown.";
	else if (c->num_layers < 0 || c->num_layers > MODEL_MAX_LAYERS)
		problem = model_detail("The network has %d hidden layers; at most %d are allowed.",
								c->num_layers, MODEL_MAX_LAYERS);
	else if (c->kind == HYPERMODEL_LINEAR && c->num_layers != 0)
		problem = "A linear model has no hidden layers.";
	else if ((unsigned) c->activation > ACT_LINEAR)
		problem = "The activation is unknown.";
	else if ((unsigned) c->optimizer > OPT_ADAMW)
		problem = "The optimizer is unknown.";
	else if (!(c->dropout_rate >= 0.0 && c->dropout_rate < 1.0))
		problem = model_detail("The dropout rate is %g; it must be at least 0 and below 1.",
								c->dropout_rate);
	else if (!(c->learning_rate > 0.0 && isfinite(c->learning_rate)))
		problem = model_detail("The learning rate is %g; it must be positive.",
								c->learning_rate);
	else if (!(c->momentum >= 0.0 && c->momentum <= 1.0))
		problem = model_detail("The momentum is %g; it must be between 0 and 1.",
								c->momentum);
	else if (c->batch_size < 1 || c->batch_size > MODEL_MAX_BATCH_SIZE)
		problem = model_detail("The batch size is %d; it must be between 1 and %d.",
								c->batch_size, MODEL_MAX_BATCH_SIZE);
	else if (!(c->l1 >= 0.0 && isfinite(c->l1)) || !(c->l2 >= 0.0 && isfinite(c->l2)))
		problem = "The l1 and l2 penalties must be non-negative numbers.";
	for (int i = 0; problem == NULL && i < c->num_layers; i++)
		if (c->units[i] < 1 || c->units[i] > MODEL_MAX_UNITS)
			problem = model_detail("Layer %d has %d units; it must have between 1 and %d.",
									i, c->units[i], MODEL_MAX_UNITS);
	if (problem)
		core_error(code,
				   code == CORE_ERR_CORRUPTED ? "invalid model data"
				   : "invalid model configuration",
				   problem,
				   code == CORE_ERR_CORRUPTED
				   ? "The stored model is damaged; train it again."
				   : "Change the hyperparameters of the trial.");
}

/* the dense network of a config: mlp or linear */
void
hypermodel_dense_build(Graph *g, const ModelConfig *c, const HyperModelShape *s)
{
	int			x = graph_input(g, NULL, s->input);

	for (int l = 0; l < c->num_layers; l++)
		x = graph_dense(g, NULL, x, c->units[l], c->activation, true);
	if (c->num_layers > 0 && c->dropout_rate > 0.0)
		x = graph_dropout(g, NULL, x, c->dropout_rate);
	if (s->include_top)
		graph_dense(g, NULL, x, s->outputs, ACT_LINEAR, true);
}

/* the shape of one example: hypermodel_options, or the data's columns */
static GraphShape
model_input_shape(const ModelConfig *c, int ninputs, CoreErrorCode code)
{
	GraphShape	s = {1, 1, 1, ninputs};
	const HyperModelOptions *o = &c->options;

	if (o->input_rank == 3)
	{
		s.rank = 3;
		s.h = o->input_shape[0];
		s.w = o->input_shape[1];
		s.c = o->input_shape[2];
	}
	else if (o->input_rank == 1)
		s.c = o->input_shape[0];
	if ((int64_t) s.h * s.w * s.c != ninputs || s.h < 1 || s.w < 1 || s.c < 1)
		core_error(code == CORE_ERR_CORRUPTED ? code : CORE_ERR_DATATYPE_MISMATCH,
				   code == CORE_ERR_CORRUPTED ? "invalid model data"
				   : "input_shape does not fit the data",
				   model_detail("The input_shape holds %lld values; a row of the data has %d.",
								(long long) s.h * s.w * s.c, ninputs),
				   "Give an input_shape whose product is the number of input columns.");
	return s;
}

void
model_layout(Model *m, const ModelConfig *c, TaskKind task, int ninputs,
			 int noutputs, CoreErrorCode code)
{
	HyperModelShape shape;
	Graph	   *g;

	model_check_config(c, code);
	if (ninputs < 1 || noutputs < 1 || noutputs > MODEL_MAX_UNITS)
		core_error(code, code == CORE_ERR_CORRUPTED ? "invalid model data"
				   : "invalid model shape",
				   model_detail("The model has %d inputs and %d outputs.",
								 ninputs, noutputs),
				   "A model needs at least one input column and one output.");
	shape.input = model_input_shape(c, ninputs, code);
	shape.outputs = noutputs;
	shape.task = task;
	shape.include_top = c->options.include_top;
	g = m->graph ? m->graph : graph_create();
	g->fail_code = code;
	hypermodel_defs[c->kind]->build(g, c, &shape);
	g->fail_code = CORE_ERR_INVALID_PARAMETER;
	m->config = *c;
	m->task = task;
	m->ninputs = ninputs;
	m->noutputs = graph_shape_size(g->layers[g->output].out);
	m->graph = g;
	m->nparams = g->nparams;
	m->nstate = g->nstate;
}

/*
 * Kernels start on a cache line, so the vector loads of a row of W never
 * straddle two lines (that alone costs a third of a one-row predict).
 * Moving statistics start at mean 0, variance 1.
 */
void
model_alloc_params(Model *m)
{
	m->params_block = core_alloc_raw(m->nparams * sizeof(float) + 64);
	m->params = (float *) (((uintptr_t) m->params_block + 63) & ~(uintptr_t) 63);
	if (m->nstate > 0)
	{
		m->state = core_alloc_raw(m->nstate * sizeof(float));
		for (int i = 0; i < m->graph->nlayers; i++)
		{
			const GraphLayer *l = &m->graph->layers[i];

			if (l->kind != LAYER_BATCH_NORMALIZATION)
				continue;
			for (int c = 0; c < l->in.c; c++)
			{
				m->state[l->soff + c] = 0.0f;
				m->state[l->soff + l->in.c + c] = 1.0f;
			}
		}
	}
}

/* a standard normal draw truncated to two deviations, as Keras's */
static double
model_truncated_normal(RngStream *rng)
{
	for (;;)
	{
		double		u1 = rng_stream_uniform(rng);
		double		u2 = rng_stream_uniform(rng);
		double		z = sqrt(-2.0 * log(1.0 - u1)) * cos(2.0 * M_PI * u2);

		if (fabs(z) <= 2.0)
			return z;
	}
}

/* one kernel of n values with fan_in and fan_out, in storage order */
static void
model_init_kernel(float *w, int64_t n, double fan_in, double fan_out,
				  GraphInit init, RngStream *rng)
{
	/* the deviation of a normal truncated at 2 is 0.87962566 of its own */
	double		sd;

	if (init == INIT_GLOROT_UNIFORM)
	{
		double		limit = sqrt(6.0 / (fan_in + fan_out));

		for (int64_t i = 0; i < n; i++)
			w[i] = (float) ((2.0 * rng_stream_uniform(rng) - 1.0) * limit);
		return;
	}
	sd = sqrt((init == INIT_HE_NORMAL ? 2.0 : 1.0) / fan_in) / 0.87962566103423978;
	for (int64_t i = 0; i < n; i++)
		w[i] = (float) (model_truncated_normal(rng) * sd);
}

/*
 * Keras's initial weights: each kernel by its initialiser, drawn layer
 * after layer from the seed's init stream (for a Dense stack exactly the
 * draws of the Dense-only core); biases and beta 0, gamma 1.  Fans as
 * Keras computes them: receptive field x input / output channels.
 */
void
model_init_weights(Model *m)
{
	RngStream	rng;

	memset(m->params, 0, m->nparams * sizeof(float));
	rng_stream_seed(&rng, m->config.seed, RNG_STREAM_INIT);
	for (int i = 1; i < m->graph->nlayers; i++)
	{
		const GraphLayer *l = &m->graph->layers[i];
		double		rf = (double) l->kernel[0] * l->kernel[1];
		int			in = l->in.c;

		switch (l->kind)
		{
			case LAYER_DENSE:
				model_init_kernel(m->params + l->woff, (int64_t) in * l->units,
								  in, l->units, l->init, &rng);
				break;
			case LAYER_CONV2D:
				model_init_kernel(m->params + l->woff,
								  (int64_t) rf * (in / l->groups) * l->units,
								  rf * (in / l->groups), rf * l->units, l->init, &rng);
				break;
			case LAYER_DEPTHWISE_CONV2D:
				model_init_kernel(m->params + l->woff,
								  (int64_t) rf * in * l->depth_multiplier,
								  rf, rf * l->depth_multiplier, l->init, &rng);
				break;
			case LAYER_SEPARABLE_CONV2D:
				model_init_kernel(m->params + l->woff, (int64_t) rf * in,
								  rf, rf, l->init, &rng);
				model_init_kernel(m->params + l->w2off, (int64_t) in * l->units,
								  in, l->units, l->init, &rng);
				break;
			case LAYER_BATCH_NORMALIZATION:
				for (int c = 0; c < in; c++)
					m->params[l->woff + c] = 1.0f;
				break;
			default:
				break;
		}
	}
}

static void
model_finish(Model *m, TaskKind task, int nclasses)
{
	m->nclasses = task == TASK_CLASSIFICATION ? nclasses : 0;
	model_alloc_params(m);
	model_init_weights(m);
}

Model *
model_create(const ModelConfig *c, const DatasetEncoding *enc)
{
	Model	   *m = core_alloc(sizeof(Model));
	int			noutputs;

	if (enc->task == TASK_CLASSIFICATION && enc->nclasses < 1)
		core_error(CORE_ERR_DATA_EXCEPTION, "no classes to learn",
				   "The training data has no label values.",
				   "Check the training query's label column.");
	noutputs = enc->task == TASK_CLASSIFICATION ? enc->nclasses : 1;
	if (enc->task == TASK_CLASSIFICATION && c->options.classes > 0)
	{
		if (c->options.classes < enc->nclasses)
			core_error(CORE_ERR_INVALID_PARAMETER, "too few classes for the labels",
					   model_detail("hypermodel_options gives %d classes; the labels have %d.",
									c->options.classes, enc->nclasses),
					   "Leave classes out, or give at least the number of distinct labels.");
		noutputs = c->options.classes;
	}
	model_layout(m, c, enc->task, enc->ncols, noutputs,
				 CORE_ERR_INVALID_PARAMETER);
	model_finish(m, enc->task, m->noutputs);
	return m;
}

Model *
model_create_from_graph(Graph *g, const ModelConfig *c, TaskKind task,
						int nclasses)
{
	Model	   *m = core_alloc(sizeof(Model));

	model_check_config(c, CORE_ERR_INVALID_PARAMETER);
	m->config = *c;
	m->task = task;
	m->graph = g;
	m->ninputs = (int) graph_shape_size(g->layers[0].out);
	m->noutputs = (int) graph_shape_size(g->layers[g->output].out);
	m->nparams = g->nparams;
	m->nstate = g->nstate;
	model_finish(m, task, nclasses);
	return m;
}

double
model_training_bytes(const ModelConfig *c, const DatasetEncoding *enc)
{
	Model		probe;
	double		bytes;
	int			noutputs = enc->task == TASK_CLASSIFICATION
		? (c->options.classes > enc->nclasses ? c->options.classes : enc->nclasses) : 1;

	memset(&probe, 0, sizeof(probe));
	model_layout(&probe, c, enc->task, enc->ncols, noutputs < 1 ? 1 : noutputs,
				 CORE_ERR_INVALID_PARAMETER);
	bytes = graph_training_bytes(probe.graph, c->batch_size, c->optimizer,
								 c->momentum);
	graph_free(probe.graph);
	return bytes;
}

void
model_free(Model *m)
{
	if (m == NULL)
		return;
	core_free(m->params_block);
	if (m->state)
		core_free(m->state);
	if (m->norm_mean)
		core_free(m->norm_mean);
	if (m->norm_scale)
		core_free(m->norm_scale);
	if (m->infer)
	{
		graph_exec_free(m->infer);
		core_free(m->infer_xin);
	}
	graph_free(m->graph);
	core_free(m);
}

const ModelConfig *
model_config(const Model *m)
{
	return &m->config;
}

const Graph *
model_graph(const Model *m)
{
	return m->graph;
}

TaskKind
model_task(const Model *m)
{
	return m->task;
}

int
model_num_inputs(const Model *m)
{
	return m->ninputs;
}

int
model_num_outputs(const Model *m)
{
	return m->noutputs;
}

float *
model_params(Model *m, size_t *nparams)
{
	if (nparams)
		*nparams = (size_t) m->nparams;
	return m->params;
}

float *
model_state(Model *m, size_t *nstate)
{
	if (nstate)
		*nstate = (size_t) m->nstate;
	return m->state;
}

const float *
model_norm_mean(const Model *m)
{
	return m->norm_mean;
}

const float *
model_norm_scale(const Model *m)
{
	return m->norm_scale;
}

/* inference buffers stay below this many floats: rows per chunk */
#define MODEL_INFER_FLOATS ((double) (1 << 24))

int
model_chunk_rows(const Model *m)
{
	double		per_row = 0.0;
	double		rows;

	for (int i = 1; i < m->graph->nlayers; i++)
		per_row += graph_shape_size(m->graph->layers[i].out) +
			graph_layer_saved(&m->graph->layers[i]);
	rows = MODEL_INFER_FLOATS / (per_row > 1.0 ? per_row : 1.0);
	if (rows > MODEL_CHUNK_ROWS)
		return MODEL_CHUNK_ROWS;
	return rows < 1.0 ? 1 : (int) rows;
}

/* make the inference buffers hold at least rows rows */
void
model_scratch_reserve(Model *m, int rows)
{
	if (m->infer && m->infer->cap >= rows)
		return;
	if (m->infer)
	{
		graph_exec_free(m->infer);
		core_free(m->infer_xin);
	}
	m->infer = graph_exec_create(m->graph, rows, false);
	m->infer_xin = core_alloc_raw((size_t) rows * m->ninputs * sizeof(float));
}

void
model_forward_logits(Model *m, const float *x, int rows, float *out)
{
	const float *in = x;
	float	   *y;

	if (m->norm_mean)
	{
		layer_normalize_rows(m->infer_xin, x, rows, m->ninputs,
							 m->norm_mean, m->norm_scale);
		in = m->infer_xin;
	}
	y = graph_exec_forward(m->infer, m->params, m->state, in, rows);
	memcpy(out, y, (size_t) rows * m->noutputs * sizeof(float));
}

void
model_predict(const Model *m, const float *x, int64_t nrows, float *out)
{
	Model	   *mm = (Model *) m;	/* only the scratch cache changes */
	int			limit = model_chunk_rows(m);
	int			chunk = nrows < limit ? (int) nrows : limit;

	if (nrows <= 0)
		return;
	model_scratch_reserve(mm, chunk);
	for (int64_t r = 0; r < nrows; r += chunk)
	{
		int			rows = nrows - r < chunk ? (int) (nrows - r) : chunk;
		float	   *o = out + r * m->noutputs;

		model_forward_logits(mm, x + r * m->ninputs, rows, o);
		if (m->task == TASK_CLASSIFICATION && m->config.options.include_top)
			layer_softmax(o, rows, m->noutputs);
	}
}
