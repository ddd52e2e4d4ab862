/*-------------------------------------------------------------------------
 *
 * fuzz_model_format.c
 *	  libFuzzer harness for model_deserialize: hostile model blobs must be
 *	  rejected with CORE_ERR_CORRUPTED, never crash, hang or leak.
 *
 * Each input is tried twice: as it is, which mostly exercises the header
 * and checksum, and with the checksum recomputed over its payload, so that
 * mutations reach the parser behind it.  A blob that is accepted must be
 * usable (one prediction) and canonical (serialising it again gives the
 * same bytes); anything else aborts, which libFuzzer reports.
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
		x = calloc(model_num_inputs(m), sizeof(float));
		out = calloc(model_num_outputs(m), sizeof(float));
		for (int i = 0; i < model_num_inputs(m); i++)
			x[i] = (float) (i % 3);
		model_predict(m, x, 1, out);
		again = model_serialize(m, e, &len);
		if (len != size || memcmp(again, data, size) != 0)
			abort();			/* accepted but not canonical */
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
