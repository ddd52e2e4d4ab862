/*-------------------------------------------------------------------------
 *
 * fuzz_model_format.c
 *	  libFuzzer harness for model_deserialize: hostile model blobs must be
 *	  rejected with CORE_ERR_CORRUPTED, never crash, hang or leak.
 *
 * Each input is tried twice: as it is, which mostly exercises the header
 * and checksum, and with the checksum recomputed over its payload, so that
 * mutations reach the parser behind it.  A blob that is accepted must be
 * usable (one prediction), its feature descriptions consistent (checked
 * here independently of the reader: the row encoders write each feature at
 * its offset and width), and canonical (serialising it again gives the
 * same bytes; a version-1 blob, which is rewritten as version 2, must give
 * a blob that reads back); anything else aborts, which libFuzzer reports.
 *
 * shim_test.c's core_error longjmps to core_test_jmp; model_deserialize
 * allocates nothing before it has validated everything, so an error leaks
 * nothing and leak detection can stay on.
 *
 *-------------------------------------------------------------------------
 */
#include "core/model.h"
#include "core/shim_test.h"

#include <stdlib.h>
#include <string.h>

/*
 * What the shell trusts in an accepted encoding, checked independently of
 * the reader: kinds in range, scalar features one column wide, one-hot
 * features one column per vocabulary entry, every input column covered by
 * exactly one feature, names present, one class label per output.
 */
static void
fuzz_check_encoding(const DatasetEncoding *e, const Model *m)
{
	int			n = model_num_inputs(m);
	unsigned char *owner = calloc(n, 1);

	if (e->ncols != n || e->label_name == NULL || e->label_name[0] == '\0' ||
		(e->task == TASK_CLASSIFICATION && e->nclasses != model_num_outputs(m)))
		abort();
	for (int f = 0; f < e->nfeatures; f++)
	{
		const FeatureSpec *fs = &e->features[f];

		if (fs->name == NULL || fs->name[0] == '\0' ||
			(unsigned) fs->kind > FEATURE_ONEHOT || fs->width < 1 ||
			fs->offset < 0 || fs->offset > n - fs->width ||
			((fs->kind == FEATURE_NUMERIC || fs->kind == FEATURE_BOOLEAN) && fs->width != 1) ||
			(fs->kind == FEATURE_ONEHOT) != (fs->nvocab > 0) ||
			(fs->kind == FEATURE_ONEHOT && fs->nvocab != fs->width))
			abort();
		for (int v = 0; v < fs->nvocab; v++)
			if (fs->vocab[v] == NULL)
				abort();
		for (int k = 0; k < fs->width; k++)
			if (owner[fs->offset + k]++)
				abort();		/* two features share a column */
	}
	for (int k = 0; k < n; k++)
		if (!owner[k])
			abort();			/* a column no feature fills */
	for (int c = 0; c < e->nclasses; c++)
		if (e->classes[c] == NULL)
			abort();
	free(owner);
}

static void
fuzz_one(const uint8_t *data, size_t size)
{
	jmp_buf		jb;

	core_test_jmp = &jb;
	if (setjmp(jb) == 0)
	{
		Model	   *m;
		DatasetEncoding *e;
		float	   *x;
		float	   *out;
		size_t		len;
		void	   *again;

		m = model_deserialize(data, size, &e);
		fuzz_check_encoding(e, m);
		x = calloc(model_num_inputs(m), sizeof(float));
		out = calloc(model_num_outputs(m), sizeof(float));
		for (int i = 0; i < model_num_inputs(m); i++)
			x[i] = (float) (i % 3);
		model_predict(m, x, 1, out);
		again = model_serialize(m, e, &len);
		if (data[4] == 2 && (len != size || memcmp(again, data, size) != 0))
			abort();			/* accepted but not canonical */
		if (data[4] == 1)
		{
			/* a version-1 blob is rewritten as version 2, which must read */
			Model	   *m2 = model_deserialize(again, len, NULL);

			model_free(m2);
		}
		free(again);
		free(x);
		free(out);
		model_free(m);
		core_free(e);
	}
	else if (core_test_last_code != CORE_ERR_CORRUPTED)
		abort();				/* only "invalid model data" is allowed */
	core_test_jmp = NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_one(data, size);
	if (size >= 24)
	{
		uint8_t    *copy = malloc(size);
		uint32_t	crc = model_format_crc32(data + 24, size - 24);

		memcpy(copy, data, size);
		for (int i = 0; i < 4; i++)
			copy[16 + i] = (uint8_t) (crc >> (8 * i));
		fuzz_one(copy, size);
		free(copy);
	}
	return 0;
}
