/*
 * gen_corpus.c
 *	  Writes valid model blobs into a directory, as the fuzzer's seed
 *	  corpus: mlp and linear, classification and regression, with and
 *	  without normalisation and vocabularies.
 */
#include "core/model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *vocab[] = {"a", "bb"};
static const char *classes[] = {"no", "yes", "maybe"};

int
main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "corpus";
	int			count = 0;

	for (int kind = 0; kind < 2; kind++)
		for (int task = 0; task < 2; task++)
			for (int norm = 0; norm < 2; norm++)
			{
				FeatureSpec f[2];
				DatasetEncoding e;
				ModelConfig c;
				Model	   *m;
				Trainer    *t;
				EpochResult r;
				Dataset		d;
				float		x[8 * 3];
				float		y[8];
				void	   *blob;
				size_t		len;
				char		path[512];
				FILE	   *fp;

				memset(f, 0, sizeof(f));
				f[0].name = "n";
				f[0].kind = FEATURE_NUMERIC;
				f[0].width = 1;
				f[1].name = "cat";
				f[1].kind = FEATURE_ONEHOT;
				f[1].offset = 1;
				f[1].width = 2;
				f[1].nvocab = 2;
				f[1].vocab = vocab;
				memset(&e, 0, sizeof(e));
				e.nfeatures = 2;
				e.features = f;
				e.ncols = 3;
				e.task = (TaskKind) task;
				e.label_name = "label";
				e.label_type = task == 0 ? "text" : "float8";
				e.nclasses = task == 0 ? (norm ? 3 : 2) : 0;
				e.classes = task == 0 ? classes : NULL;
				for (int i = 0; i < 24; i++)
					x[i] = (float) ((i * 7) % 5);
				for (int i = 0; i < 8; i++)
					y[i] = task == 0 ? (float) (i % e.nclasses) : (float) i;
				d.nrows = 8;
				d.ncols = 3;
				d.x = x;
				d.y = y;
				model_config_init(&c, (HyperModelKind) kind, 4);
				c.normalize = norm;
				if (kind == 0)
				{
					c.num_layers = 2;
					c.units[0] = 3;
					c.units[1] = 2;
				}
				m = model_create(&c, &e);
				t = trainer_create(m, &d, NULL);
				trainer_run_epoch(t, &r);
				blob = model_serialize(m, &e, &len);
				snprintf(path, sizeof(path), "%s/seed_%d", dir, count++);
				fp = fopen(path, "wb");
				if (fp == NULL || fwrite(blob, 1, len, fp) != len)
				{
					perror(path);
					return 1;
				}
				fclose(fp);
			}
	printf("%d seeds written to %s\n", count, dir);
	return 0;
}
