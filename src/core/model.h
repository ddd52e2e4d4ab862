/*-------------------------------------------------------------------------
 *
 * model.h
 *	  Built-in hypermodels: configuration, networks, training, metrics and
 *	  the model blob format (pure C).
 *
 * A hypermodel turns one trial's hyperparameters into a ModelConfig
 * (model_config_set, one name at a time), and a ModelConfig plus the
 * DatasetEncoding of the training data into a Model: a layer graph
 * (graph.h, where image hypermodels are registered and built) over one
 * parameter vector.  "mlp" builds a Keras-style Sequential of Dense layers,
 *
 *	 Dense(units_0, activation) ... Dense(units_{n-1}, activation)
 *	 [Dropout(rate)]			 once, after the last hidden layer, as in the
 *								 KerasTuner guide's build_model
 *	 Dense(outputs)				 softmax (classification, one output per
 *								 class) or linear (regression, one output)
 *
 * "linear" is the same network without hidden layers (multinomial logistic
 * regression, or linear regression).  Inputs may be standardised
 * (normalize): the mean and standard deviation of every input column are
 * measured on the training data, stored in the model and applied by every
 * predict.
 *
 * A Trainer owns everything one training run needs (gradients, optimizer
 * state, activations, the batch buffer); all of it is allocated once in
 * trainer_create, so an epoch allocates nothing.  Numerics follow Keras:
 * float32, Keras's initialisers (Glorot-uniform kernels unless a layer
 * asks for another), zero biases, sparse categorical
 * crossentropy or mean squared error, kernel L1/L2 penalties added to the
 * loss, and each optimizer with Keras's default settings.
 *
 * Memory comes from the shim (core_alloc): inside the server it lives in
 * the caller's memory context.  model_free and trainer_free give it back
 * early; they are optional there.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HPTUNE_CORE_MODEL_H
#define HPTUNE_CORE_MODEL_H

#include "core/dataset.h"
#include "core/space.h"

#define MODEL_MAX_LAYERS 16
#define MODEL_MAX_UNITS 65536	/* per layer */
#define MODEL_MAX_PARAMS ((int64_t) 1 << 28)	/* 1 GB of float32 */
#define MODEL_MAX_BATCH_SIZE (1 << 20)

typedef enum HyperModelKind
{
	HYPERMODEL_MLP,
	HYPERMODEL_LINEAR
} HyperModelKind;

typedef enum Activation
{
	ACT_RELU,
	ACT_TANH,
	ACT_SIGMOID,
	ACT_ELU,
	ACT_SELU,
	ACT_GELU,
	ACT_LINEAR
} Activation;

typedef enum OptimizerKind
{
	OPT_ADAM,
	OPT_SGD,
	OPT_RMSPROP,
	OPT_ADAGRAD,
	OPT_ADAMW
} OptimizerKind;

/*
 * hypermodel_options: the shape of one example (input_rank 0: the data's
 * columns as a vector), the classes of the top (0: from the labels), and
 * whether the network has its top (the classifier / regressor head).
 */
typedef struct HyperModelOptions
{
	int			input_rank;		/* 0, 1 or 3 */
	int			input_shape[3];	/* h, w, c (rank 3); units (rank 1) */
	int			classes;
	bool		include_top;
} HyperModelOptions;

/* a hyperparameter value a graph hypermodel keeps for its build */
#define MODEL_MAX_KEPT 64
typedef struct ModelKeptValue
{
	const char *name;
	HpValue		value;
} ModelKeptValue;

typedef struct ModelConfig
{
	HyperModelKind kind;
	int			num_layers;		/* hidden Dense layers; 0 for linear */
	int			units[MODEL_MAX_LAYERS];
	Activation	activation;		/* of every hidden layer */
	double		dropout_rate;	/* one Dropout after the last hidden layer */
	double		learning_rate;
	OptimizerKind optimizer;
	double		momentum;		/* sgd and rmsprop */
	int			batch_size;
	double		l1,
				l2;				/* kernel penalties (every Dense layer) */
	bool		normalize;		/* standardise inputs */
	bool		shuffle;		/* shuffle the training rows every epoch */
	uint64_t	seed;			/* initial weights, shuffling, dropout */
	HyperModelOptions options;	/* set by the caller after init */
	int			nkept;			/* graph hypermodels' own values */
	ModelKeptValue kept[MODEL_MAX_KEPT];
} ModelConfig;

/* ---- hypermodels and their configuration (model.c) ---- */

extern bool hypermodel_from_name(const char *name, HyperModelKind *kind);
extern const char *hypermodel_name(HyperModelKind kind);
/* "mlp, linear", for hints */
extern const char *hypermodel_names(void);

/*
 * The hypermodel's own search space, declaration order, parents first.
 *
 * mlp (the KerasTuner guide's build_model): num_layers int 1..3;
 * units_0 int 32..512 step 32; units_1 the same, active when num_layers is
 * 2 or 3; units_2 the same, active when num_layers is 3; activation choice
 * relu, tanh; dropout boolean; lr float 1e-4..1e-2 log.
 *
 * linear: learning_rate float 1e-4..1e-1 log, default 0.01; l2 choice
 * 0, 1e-5, 1e-4, 1e-3, 1e-2 (ordered, default 0): a penalty is worth trying
 * on a decade scale, and 0 must stay reachable, which a log range cannot do.
 */
extern void hypermodel_default_space(HyperModelKind kind, HpSpace *out);

/*
 * Defaults: mlp one hidden layer, every layer 32 units, relu, no dropout,
 * learning_rate 1e-3; linear no hidden layer, learning_rate 0.01; both adam,
 * the given batch size, shuffle on, normalize off, no penalties, seed 0.
 */
extern void model_config_init(ModelConfig *c, HyperModelKind kind,
							  int batch_size);

/*
 * Apply one hyperparameter by name: num_layers, units (every layer),
 * units_<i>, activation, dropout (boolean -> rate 0.25 or 0; a number is
 * the rate), dropout_rate, learning_rate, lr, optimizer, batch_size, l1, l2,
 * normalize, shuffle, momentum.  Returns false for a name the hypermodel
 * does not read (the caller ignores it) and true, changing nothing, for a
 * value of type HPV_NONE.  A bad value raises CORE_ERR_INVALID_PARAMETER.
 */
extern bool model_config_set(ModelConfig *c, const char *name, HpValue value);

extern const char *activation_name(Activation a);
extern bool activation_from_name(const char *name, Activation *a);
extern const char *optimizer_name(OptimizerKind o);
extern bool optimizer_from_name(const char *name, OptimizerKind *o);

/* ---- models (model.c) ---- */

typedef struct Model Model;

/*
 * inputs = enc->ncols; outputs = enc->nclasses (classification, softmax)
 * or 1 (regression, linear).  Glorot-uniform kernels drawn from c->seed,
 * zero biases.  A config out of range raises CORE_ERR_INVALID_PARAMETER,
 * a network too large CORE_ERR_PROGRAM_LIMIT.
 */
extern Model *model_create(const ModelConfig *c, const DatasetEncoding *enc);
extern void model_free(Model *m);
extern const ModelConfig *model_config(const Model *m);
extern TaskKind model_task(const Model *m);
extern int	model_num_inputs(const Model *m);
extern int	model_num_outputs(const Model *m);

/*
 * Every trainable parameter, contiguous: for each Dense layer its kernel
 * (inputs x units, row-major) then its bias.  Callers may copy it out and
 * back (keeping the best epoch).
 */
extern float *model_params(Model *m, size_t *nparams);

/*
 * The non-trainable state (BatchNormalization's moving means and
 * variances), NULL when the network has none.  Keeping the best epoch
 * copies it with the parameters.
 */
extern float *model_state(Model *m, size_t *nstate);

/*
 * The standardisation the model applies to its inputs: per input column a
 * mean and a scale (1 / standard deviation); NULL when normalize is off.
 */
extern const float *model_norm_mean(const Model *m);
extern const float *model_norm_scale(const Model *m);

/*
 * out: nrows x outputs, class probabilities or the prediction.  Applies
 * the stored standardisation.  Works in chunks through scratch buffers
 * cached in the model, so calling it once per row allocates nothing after
 * the first call.  Not safe to call on one Model from several threads.
 */
extern void model_predict(const Model *m, const float *x, int64_t nrows,
						  float *out);

/*
 * Keras-like summary: Model: "sequential", a header, one line per layer
 * (normalization, dense, dense_1, dropout, ...) with its output shape and
 * parameter count, then the totals.  Allocated; *nlines gets the count.
 */
extern char **model_summary(const Model *m, int *nlines);

/* ---- training (model.c) ---- */

typedef struct Trainer Trainer;

typedef struct MetricValue
{
	const char *name;
	double		value;
} MetricValue;

typedef struct EpochResult
{
	int			nmetrics;
	MetricValue *metrics;
	bool		diverged;		/* the loss became NaN or infinite */
	double		seconds;
} EpochResult;

/*
 * Prepare a training run.  validation may be NULL or empty.  With
 * normalize, measures the training columns and stores the statistics in
 * the model.  Checks the datasets' widths and labels (class indices in
 * range: CORE_ERR_DATA_EXCEPTION otherwise).  Allocates every buffer the
 * run needs.  The datasets must outlive the trainer.
 */
extern Trainer *trainer_create(Model *m, const Dataset *train,
							   const Dataset *validation);
extern void trainer_free(Trainer *t);

/*
 * One pass over the training rows in mini-batches (the last one may be
 * partial), shuffled if the config says so, checking for interrupts before
 * every batch; then the validation metrics.  Metric names as Keras: see
 * model_metric_names.  A NaN or infinite loss ends the epoch early with
 * diverged set.  out->metrics stays valid until the next call.
 */
extern void trainer_run_epoch(Trainer *t, EpochResult *out);

/*
 * Bytes predicting (evaluating) nrows rows holds besides its input and
 * output: the model's parameters and state, and the forward pass's buffers
 * for one chunk of rows (for evaluate, also the chunk's logits and the
 * per-row pairs AUC reads).  What a host checks against its memory limit.
 */
extern double model_predict_bytes(const Model *m, int64_t nrows);
extern double model_evaluate_bytes(const Model *m, int64_t nrows);

/*
 * Called after every training batch of trainer_run_epoch with the batches
 * done in the epoch and their number (a host's progress report and
 * heart-beat); NULL: nothing.
 */
typedef void (*TrainerBatchHook) (void *arg, int64_t batches_done, int64_t batches);
extern void trainer_set_batch_hook(Trainer *t, TrainerBatchHook hook, void *arg);

/*
 * The names trainer_run_epoch reports, in order, so an objective can be
 * checked before training.  Classification: loss, accuracy, crossentropy;
 * with validation also val_loss, val_accuracy, val_crossentropy and, for
 * two classes, val_auc, val_precision, val_recall, val_f1 (class index 1 is
 * the positive class, threshold 0.5).  Regression: loss,
 * mean_squared_error, mean_absolute_error, root_mean_squared_error; with
 * validation the same with val_ and val_r2.
 */
extern const char **model_metric_names(TaskKind task, int nclasses,
									   bool validation, int *n);

/*
 * +1 for a metric to maximise, -1 to minimise, 0 unknown.  A leading
 * "val_" is ignored; accuracy, auc, precision, recall, f1, r2 and their
 * Keras spellings are maximised, losses, crossentropies and errors
 * minimised (KerasTuner's inference).
 */
extern int	metric_direction(const char *name);

/*
 * Metrics of a model on a dataset, named as the validation metrics without
 * "val_": loss, accuracy, crossentropy, ...  out->metrics stays valid until
 * the next call on this model.
 */
extern void model_evaluate(const Model *m, const Dataset *d, TaskKind task,
						   EpochResult *out);

/* ---- the model blob (model_format.c) ---- */

/*
 * A versioned, checksummed binary image of a model and the encoding of its
 * training data (see model_format.c for the layout).  Allocated.
 */
extern void *model_serialize(const Model *m, const DatasetEncoding *enc,
							 size_t *len);

/*
 * Validates everything before building anything; any problem raises
 * CORE_ERR_CORRUPTED "invalid model data" with a detail naming it.  enc may
 * be NULL; otherwise *enc gets the encoding, one allocation (core_free
 * releases it).
 */
extern Model *model_deserialize(const void *buf, size_t len,
								DatasetEncoding **enc);

/* the CRC-32 (IEEE) the format uses, for tools and the fuzz harness */
extern uint32_t model_format_crc32(const void *buf, size_t len);

#endif							/* HPTUNE_CORE_MODEL_H */
