/*-------------------------------------------------------------------------
 *
 * vocab.c
 *	  Vocabularies: the distinct strings of a text column (one-hot features)
 *	  or of a label (classes), in insertion order, with an open-addressing
 *	  hash index so that encoding a row is one lookup per text value.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "encode.h"

static uint32
vocab_hash(const char *s)
{
	uint32		h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char) *s) * 16777619u;
	return h;
}

Vocab *
vocab_create(void)
{
	Vocab	   *v = palloc0(sizeof(Vocab));

	v->cxt = CurrentMemoryContext;
	v->nslots = 64;
	v->slots = palloc(sizeof(int32) * v->nslots);
	memset(v->slots, -1, sizeof(int32) * v->nslots);
	v->capacity = 16;
	v->words = palloc(sizeof(char *) * v->capacity);
	return v;
}

int32
vocab_lookup(const Vocab *v, const char *s)
{
	uint32		i = vocab_hash(s) & (v->nslots - 1);

	for (;;)
	{
		int32		idx = v->slots[i];

		if (idx < 0)
			return -1;
		if (strcmp(v->words[idx], s) == 0)
			return idx;
		i = (i + 1) & (v->nslots - 1);
	}
}

static void
vocab_grow(Vocab *v)
{
	int32	   *old = v->slots;
	int			oldn = v->nslots;

	v->nslots *= 2;
	v->slots = MemoryContextAlloc(v->cxt, sizeof(int32) * v->nslots);
	memset(v->slots, -1, sizeof(int32) * v->nslots);
	for (int i = 0; i < oldn; i++)
		if (old[i] >= 0)
		{
			uint32		j = vocab_hash(v->words[old[i]]) & (v->nslots - 1);

			while (v->slots[j] >= 0)
				j = (j + 1) & (v->nslots - 1);
			v->slots[j] = old[i];
		}
	pfree(old);
}

int32
vocab_add(Vocab *v, const char *s)
{
	int32		idx = vocab_lookup(v, s);
	uint32		i;

	if (idx >= 0)
		return idx;
	if (v->n * 2 >= v->nslots)
		vocab_grow(v);
	if (v->n == v->capacity)
	{
		v->capacity *= 2;
		v->words = repalloc(v->words, sizeof(char *) * v->capacity);
	}
	v->words[v->n] = MemoryContextStrdup(v->cxt, s);
	i = vocab_hash(s) & (v->nslots - 1);
	while (v->slots[i] >= 0)
		i = (i + 1) & (v->nslots - 1);
	v->slots[i] = v->n;
	return v->n++;
}

Vocab *
vocab_from_words(const char **words, int n)
{
	Vocab	   *v = vocab_create();

	for (int i = 0; i < n; i++)
		vocab_add(v, words[i]);
	return v;
}

