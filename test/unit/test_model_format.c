/*
 * test_model_format.c
 *	  The model blob: round trips, and every kind of damage rejected with
 *	  CORE_ERR_CORRUPTED (truncation at every length, flipped bytes, wrong
 *	  magic or version, huge declared sizes, inconsistent feature
 *	  descriptions).
 */
#include "core/model_internal.h"
#include "unit.h"

#include <stdlib.h>

static const char *vocab_color[] = {"red", "green", "blue"};
static const char *class_names[] = {"cat", "dog", "mouse"};

/* 2 numeric columns, a boolean, a 3-wide one-hot: 6 columns */
static DatasetEncoding
enc_make(TaskKind task)
{
	DatasetEncoding e;
	FeatureSpec *f = core_alloc(3 * sizeof(FeatureSpec));

	memset(&e, 0, sizeof(e));
	f[0].name = "size";
	f[0].kind = FEATURE_ARRAY;
	f[0].offset = 0;
	f[0].width = 2;
	f[0].has_impute = true;
	f[0].impute_value = 1.5f;
	f[1].name = "indoor";
	f[1].kind = FEATURE_BOOLEAN;
	f[1].offset = 2;
	f[1].width = 1;
	f[2].name = "color";
	f[2].kind = FEATURE_ONEHOT;
	f[2].offset = 3;
	f[2].width = 3;
	f[2].nvocab = 3;
	f[2].vocab = vocab_color;
	e.nfeatures = 3;
	e.features = f;
	e.ncols = 6;
	e.task = task;
	e.label_name = "animal";
	e.label_type = task == TASK_CLASSIFICATION ? "text" : NULL;
	e.nclasses = task == TASK_CLASSIFICATION ? 3 : 0;
	e.classes = task == TASK_CLASSIFICATION ? class_names : NULL;
	return e;
}

static Dataset
data_make(int64_t n, TaskKind task)
{
	Dataset		d;
	uint64_t	s = 11;

	d.nrows = n;
	d.ncols = 6;
	d.x = core_alloc(n * 6 * sizeof(float));
	d.y = core_alloc(n * sizeof(float));
	for (int64_t i = 0; i < n * 6; i++)
	{
		s = s * 6364136223846793005ULL + 1442695040888963407ULL;
		d.x[i] = (float) ((s >> 40) % 1000) / 100.0f;
	}
	for (int64_t i = 0; i < n; i++)
		d.y[i] = task == TASK_CLASSIFICATION ? (float) (i % 3) : d.x[i * 6] * 2;
	return d;
}

/* a trained model (normalised, two hidden layers) and its blob */
static void *
blob_make(TaskKind task, size_t *len, Model **model)
{
	DatasetEncoding e = enc_make(task);
	Dataset		d = data_make(40, task);
	ModelConfig c;
	Model	   *m;
	Trainer    *t;
	EpochResult r;

	model_config_init(&c, HYPERMODEL_MLP, 8);
	c.num_layers = 2;
	c.units[0] = 7;
	c.units[1] = 5;
	c.normalize = true;
	c.dropout_rate = 0.1;
	c.l2 = 1e-3;
	c.seed = 1234;
	m = model_create(&c, &e);
	t = trainer_create(m, &d, NULL);
	trainer_run_epoch(t, &r);
	trainer_free(t);
	*model = m;
	return model_serialize(m, &e, len);
}

static bool
encodings_equal(const DatasetEncoding *a, const DatasetEncoding *b)
{
	if (a->nfeatures != b->nfeatures || a->ncols != b->ncols ||
		a->task != b->task || a->nclasses != b->nclasses)
		return false;
	if ((a->label_type == NULL) != (b->label_type == NULL) ||
		(a->label_type && strcmp(a->label_type, b->label_type) != 0) ||
		strcmp(a->label_name, b->label_name) != 0)
		return false;
	for (int f = 0; f < a->nfeatures; f++)
	{
		const FeatureSpec *x = &a->features[f],
				   *y = &b->features[f];

		if (strcmp(x->name, y->name) != 0 || x->kind != y->kind ||
			x->offset != y->offset || x->width != y->width ||
			x->nvocab != y->nvocab || x->has_impute != y->has_impute ||
			x->impute_value != y->impute_value)
			return false;
		for (int v = 0; v < x->nvocab; v++)
			if (strcmp(x->vocab[v], y->vocab[v]) != 0)
				return false;
	}
	for (int c = 0; c < a->nclasses; c++)
		if (strcmp(a->classes[c], b->classes[c]) != 0)
			return false;
	return true;
}

TEST(test_round_trip)
{
	for (int task = TASK_CLASSIFICATION; task <= TASK_REGRESSION; task++)
	{
		size_t		len,
					len2;
		Model	   *m,
				   *back;
		void	   *blob = blob_make((TaskKind) task, &len, &m);
		DatasetEncoding *enc = NULL;
		DatasetEncoding orig = enc_make((TaskKind) task);
		Dataset		d = data_make(20, (TaskKind) task);
		int			k = model_num_outputs(m);
		float	   *p1 = core_alloc(20 * k * sizeof(float));
		float	   *p2 = core_alloc(20 * k * sizeof(float));
		void	   *again;

		back = model_deserialize(blob, len, &enc);
		CHECK(encodings_equal(&orig, enc));
		CHECK(model_num_outputs(back) == k);
		CHECK(model_norm_mean(back) != NULL);
		CHECK(memcmp(model_norm_scale(back), model_norm_scale(m), 6 * sizeof(float)) == 0);
		CHECK(memcmp(&back->config, &m->config, sizeof(ModelConfig)) == 0);
		model_predict(m, d.x, 20, p1);
		model_predict(back, d.x, 20, p2);
		CHECK(memcmp(p1, p2, 20 * k * sizeof(float)) == 0);
		/* canonical: writing what was read gives the same bytes */
		again = model_serialize(back, enc, &len2);
		CHECK(len2 == len && memcmp(again, blob, len) == 0);
		/* the encoding is one allocation */
		core_free(enc);
		model_free(back);
		/* deserialising without asking for the encoding */
		back = model_deserialize(blob, len, NULL);
		model_free(back);
		model_free(m);
		free(blob);
		free(again);
	}
}

TEST(test_truncated_at_every_length)
{
	size_t		len;
	Model	   *m;
	uint8_t    *blob = blob_make(TASK_CLASSIFICATION, &len, &m);
	int			wrong = 0;

	for (size_t cut = 0; cut < len; cut++)
	{
		uint8_t    *copy = malloc(cut ? cut : 1);

		memcpy(copy, blob, cut);
		EXPECT_ERROR(CORE_ERR_CORRUPTED, model_deserialize(copy, cut, NULL));
		wrong += core_test_last_code != CORE_ERR_CORRUPTED;
		free(copy);
	}
	CHECK(wrong == 0);
	EXPECT_ERROR(CORE_ERR_CORRUPTED, model_deserialize(NULL, 0, NULL));
	free(blob);
}

/* patch the payload, then fix the checksum so the parser itself is tested */
static void
blob_fix_crc(uint8_t *blob, size_t len)
{
	uint32_t	crc = model_format_crc32(blob + 24, len - 24);

	for (int i = 0; i < 4; i++)
		blob[16 + i] = (uint8_t) (crc >> (8 * i));
}

TEST(test_flipped_bytes)
{
	size_t		len;
	Model	   *m;
	uint8_t    *blob = blob_make(TASK_CLASSIFICATION, &len, &m);
	uint8_t    *copy = malloc(len);
	int			accepted = 0;

	/* any flip without fixing the checksum is caught */
	for (size_t i = 0; i < len; i += 7)
	{
		memcpy(copy, blob, len);
		copy[i] ^= 0x5A;
		EXPECT_ERROR(CORE_ERR_CORRUPTED, model_deserialize(copy, len, NULL));
	}

	/*
	 * With the checksum fixed, a flip either yields another valid model
	 * (a changed weight) or an error: never a crash.  Every flip of the
	 * structure before the weights must be an error or a valid config.
	 */
	for (volatile size_t i = 24; i < len; i++)
	{
		jmp_buf		jb;
		jmp_buf    *saved = core_test_jmp;

		memcpy(copy, blob, len);
		copy[i] ^= 0xFF;
		blob_fix_crc(copy, len);
		core_test_jmp = &jb;
		if (setjmp(jb) == 0)
		{
			DatasetEncoding *enc;
			Model	   *back = model_deserialize(copy, len, &enc);
			float		x[6] = {1, 2, 3, 4, 5, 6};
			float		out[3];

			model_predict(back, x, 1, out);
			model_free(back);
			core_free(enc);
			accepted++;
		}
		else
			CHECK(core_test_last_code == CORE_ERR_CORRUPTED);
		core_test_jmp = saved;
	}
	CHECK(accepted > 0);
	free(copy);
	free(blob);
}

TEST(test_header_checks)
{
	size_t		len;
	Model	   *m;
	uint8_t    *blob = blob_make(TASK_REGRESSION, &len, &m);
	uint8_t    *copy = malloc(len + 8);

	memcpy(copy, blob, len);
	copy[0] = 'X';
	EXPECT_ERROR(CORE_ERR_CORRUPTED, model_deserialize(copy, len, NULL));
	CHECK(strstr(core_test_last_detail, "magic") != NULL);

	memcpy(copy, blob, len);
	copy[4] = 3;
	EXPECT_ERROR(CORE_ERR_CORRUPTED, model_deserialize(copy, len, NULL));
	CHECK(strstr(core_test_last_detail, "version is 3") != NULL);

	/* trailing bytes, declared or not */
	memcpy(copy, blob, len);
	copy[len] = 0;
	EXPECT_ERROR(CORE_ERR_CORRUPTED, model_deserialize(copy, len + 1, NULL));
	memset(copy + len, 0, 8);
	copy[8] += 8;
	blob_fix_crc(copy, len + 8);
	EXPECT_ERROR(CORE_ERR_CORRUPTED, model_deserialize(copy, len + 8, NULL));
	CHECK(strstr(core_test_last_detail, "follow the model") != NULL);

	/* huge declared payload length */
	memcpy(copy, blob, len);
	memset(copy + 8, 0xFF, 8);
	EXPECT_ERROR(CORE_ERR_CORRUPTED, model_deserialize(copy, len, NULL));
	free(copy);
	free(blob);
}

/* offset of the payload's fields (see model_format.c) */
#define OFF_CONFIG 24
#define OFF_UNITS (OFF_CONFIG + 8)
#define OFF_SHAPE (OFF_CONFIG + 4 * 21 + 8 * 5 + 2 + 8 + 4 * 5 + 1)
#define OFF_GRAPH (OFF_SHAPE + 12)
#define OFF_LAYER0 (OFF_GRAPH + 8)

static void
put_u32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t) (v >> (8 * i));
}

TEST(test_huge_declared_sizes)
{
	size_t		len;
	Model	   *m;
	uint8_t    *blob = blob_make(TASK_CLASSIFICATION, &len, &m);
	uint8_t    *copy = malloc(len);
	uint32_t	n;

	/* sanity: the offsets above are right */
	n = blob[OFF_SHAPE + 4] | (blob[OFF_SHAPE + 5] << 8);
	CHECK(n == 6);
	n = blob[OFF_UNITS] | (blob[OFF_UNITS + 1] << 8);
	CHECK(n == 7);

	struct
	{
		size_t		off;
		uint32_t	value;
	}			cases[] = {
		{OFF_SHAPE + 4, 0xFFFFFFFF},	/* inputs */
		{OFF_SHAPE + 4, 0x7FFFFFFF},
		{OFF_SHAPE + 8, 0x7FFFFFFF},	/* outputs */
		{OFF_GRAPH, 0xFFFFFFFF},	/* layers of the graph */
		{OFF_GRAPH, 2049},
		{OFF_GRAPH + 4, 0xFFFF},	/* output layer */
		{OFF_LAYER0, 17},		/* kind of the input layer */
		{OFF_LAYER0 + 4, 0xFFFFFFF0},	/* its name's length */
		{OFF_UNITS, 65537},
		{OFF_UNITS, 0},
		{OFF_CONFIG + 4, 17},	/* layers */
		{OFF_CONFIG, 7},		/* kind */
	};

	for (int i = 0; i < (int) (sizeof(cases) / sizeof(cases[0])); i++)
	{
		memcpy(copy, blob, len);
		put_u32(copy + cases[i].off, cases[i].value);
		blob_fix_crc(copy, len);
		EXPECT_ERROR(CORE_ERR_CORRUPTED, model_deserialize(copy, len, NULL));
	}

	/* a string length beyond the end: the last class label's */
	memcpy(copy, blob, len);
	put_u32(copy + len - 9, 0xFFFFFFF0);
	blob_fix_crc(copy, len);
	EXPECT_ERROR(CORE_ERR_CORRUPTED, model_deserialize(copy, len, NULL));
	free(copy);
	free(blob);
}

/* where a feature's kind is stored: after its name (u32 length, bytes) */
static size_t
feature_kind_offset(const uint8_t *blob, size_t len, const char *name)
{
	size_t		n = strlen(name);

	for (size_t i = 0; i + 4 + n < len; i++)
		if (blob[i] == n && blob[i + 1] == 0 && blob[i + 2] == 0 && blob[i + 3] == 0 &&
			memcmp(blob + i + 4, name, n) == 0)
			return i + 4 + n;
	return 0;
}

/*
 * Feature descriptions edited with the checksum fixed: whatever the row
 * encoders would trust (kinds, widths, offsets) must be consistent, or the
 * blob is refused.  Fields after the name: kind, offset, width, nvocab.
 */
TEST(test_feature_descriptions)
{
	size_t		len;
	Model	   *m;
	uint8_t    *blob = blob_make(TASK_CLASSIFICATION, &len, &m);
	uint8_t    *copy = malloc(len);
	size_t		size_at = feature_kind_offset(blob, len, "size");
	size_t		indoor_at = feature_kind_offset(blob, len, "indoor");
	size_t		color_at = feature_kind_offset(blob, len, "color");
	struct
	{
		size_t		off;
		uint32_t	value;
		const char *detail;
	}			cases[] = {
		{size_at, FEATURE_NUMERIC, "wider than one column"},
		{size_at, FEATURE_ONEHOT, "vocabulary"},
		{size_at, 4, "feature kind is 4"},
		{size_at + 4, 1, "starts at column 2"},
		{indoor_at, FEATURE_ONEHOT, "vocabulary"},
		{indoor_at + 4, 1, "starts at column 2; the layout puts it at column 3"},
		{indoor_at + 4, 3, "starts at column 4"},
		{indoor_at + 8, 2, "wider than one column"},
		{color_at, FEATURE_ARRAY, "vocabulary"},
		{color_at + 4, 2, "do not fill"},
		{color_at + 4, 4, "columns 5 to 7 of 6"},
		{color_at + 8, 2, "vocabulary"},
	};

	CHECK(size_at > 0 && indoor_at > 0 && color_at > 0);
	for (int i = 0; i < (int) (sizeof(cases) / sizeof(cases[0])); i++)
	{
		memcpy(copy, blob, len);
		put_u32(copy + cases[i].off, cases[i].value);
		blob_fix_crc(copy, len);
		EXPECT_ERROR(CORE_ERR_CORRUPTED, model_deserialize(copy, len, NULL));
		if (strstr(core_test_last_detail, cases[i].detail) == NULL)
		{
			printf("  case %d: detail \"%s\"\n", i, core_test_last_detail);
			CHECK(false);
		}
	}

	/*
	 * A boolean declared as a one-column array is a consistent description:
	 * it is read, and the shell checks rows against the declared kind.
	 */
	memcpy(copy, blob, len);
	put_u32(copy + indoor_at, FEATURE_ARRAY);
	blob_fix_crc(copy, len);
	{
		DatasetEncoding *enc;
		Model	   *back = model_deserialize(copy, len, &enc);

		CHECK(enc->features[1].kind == FEATURE_ARRAY);
		model_free(back);
		core_free(enc);
	}
	free(copy);
	free(blob);
}

TEST(test_serialize_refuses_what_it_cannot_read)
{
	size_t		len;
	Model	   *m;
	void	   *blob = blob_make(TASK_REGRESSION, &len, &m);
	DatasetEncoding e = enc_make(TASK_REGRESSION);

	/* an encoding the reader would reject is refused when writing */
	e.features[2].nvocab = 2;
	EXPECT_ERROR(CORE_ERR_INTERNAL, model_serialize(m, &e, &len));
	e.features[2].nvocab = 3;
	e.ncols = 5;
	EXPECT_ERROR(CORE_ERR_INTERNAL, model_serialize(m, &e, &len));
	e.ncols = 6;
	/* features laid out other than as the loader lays them out */
	e.features[1].offset = 5;
	e.features[2].offset = 2;
	EXPECT_ERROR(CORE_ERR_INTERNAL, model_serialize(m, &e, &len));
	e.features[1].offset = 2;
	e.features[2].offset = 3;
	e.label_name = "";
	EXPECT_ERROR(CORE_ERR_INTERNAL, model_serialize(m, &e, &len));
	e.label_name = NULL;
	EXPECT_ERROR(CORE_ERR_INTERNAL, model_serialize(m, &e, &len));
	e.label_name = "animal";
	e.features[0].name = "";
	EXPECT_ERROR(CORE_ERR_INTERNAL, model_serialize(m, &e, &len));
	e.features[0].name = "size";
	m->params[3] = NAN;
	EXPECT_ERROR(CORE_ERR_FLOATING_POINT, model_serialize(m, &e, &len));
	free(blob);
}

int
main(void)
{
	RUN(test_round_trip);
	RUN(test_truncated_at_every_length);
	RUN(test_flipped_bytes);
	RUN(test_header_checks);
	RUN(test_huge_declared_sizes);
	RUN(test_feature_descriptions);
	RUN(test_serialize_refuses_what_it_cannot_read);
	UNIT_DONE();
}
