/*
 * The Porter stemmer: the classic algorithm (M.F. Porter, "An algorithm
 * for suffix stripping", 1980), as in his reference implementation; see
 * include/pmkb/db/porter.h.
 */
#include <string.h>

#include "pmkb/db/porter.h"

struct stemmer {
	char *b;
	int k, j; /* b[0..k] is the word; j marks a suffix's start - 1 */
};

static int cons(const struct stemmer *z, int i)
{
	switch (z->b[i]) {
	case 'a': case 'e': case 'i': case 'o': case 'u':
		return 0;
	case 'y':
		return i == 0 ? 1 : !cons(z, i - 1);
	default:
		return 1;
	}
}

/* The first place from i on in b[0..j] that is not a consonant (c 1) or
 * not a vowel (c 0), or j + 1. */
static int skip(const struct stemmer *z, int i, int c)
{
	while (i <= z->j && cons(z, i) == c)
		i++;
	return i;
}

/* m, the number of vowel-consonant sequences in b[0..j] read as
 * [C](VC)^m[V]. */
static int measure(const struct stemmer *z)
{
	int n = 0, i = skip(z, 0, 1);

	for (;;) {
		i = skip(z, i, 0);
		if (i > z->j)
			return n;
		n++;
		i = skip(z, i, 1);
		if (i > z->j)
			return n;
	}
}

static int vowel_in_stem(const struct stemmer *z)
{
	int i;

	for (i = 0; i <= z->j; i++)
		if (!cons(z, i))
			return 1;
	return 0;
}

static int double_cons(const struct stemmer *z, int j)
{
	return j >= 1 && z->b[j] == z->b[j - 1] && cons(z, j);
}

/* consonant-vowel-consonant ending at i, the last not w, x or y. */
static int cvc(const struct stemmer *z, int i)
{
	char ch;

	if (i < 2 || !cons(z, i) || cons(z, i - 1) || !cons(z, i - 2))
		return 0;
	ch = z->b[i];
	return ch != 'w' && ch != 'x' && ch != 'y';
}

/* Whether the word ends in s[0..len) (ENDS: a literal); sets j before it. */
static int ends(struct stemmer *z, const char *s, int len)
{
	if (s[len - 1] != z->b[z->k] || len > z->k + 1)
		return 0;
	if (memcmp(z->b + z->k - len + 1, s, (size_t)len))
		return 0;
	z->j = z->k - len;
	return 1;
}

#define ENDS(z, lit) ends(z, lit, (int)sizeof(lit) - 1)

static void set_to(struct stemmer *z, const char *s)
{
	int len = (int)strlen(s);

	memcpy(z->b + z->j + 1, s, (size_t)len);
	z->k = z->j + len;
}

static void replace_if_m(struct stemmer *z, const char *s)
{
	if (measure(z) > 0)
		set_to(z, s);
}

/* A suffix table for steps 2 and 3: replace from by to when m > 0. */
struct suffix {
	const char *from;
	int len; /* of from */
	const char *to;
};

#define SUF(from, to) { from, (int)sizeof(from) - 1, to }

static const struct suffix step2_tab[] = {
	SUF("ational", "ate"), SUF("tional", "tion"), SUF("enci", "ence"),
	SUF("anci", "ance"),   SUF("izer", "ize"),    SUF("bli", "ble"),
	SUF("alli", "al"),     SUF("entli", "ent"),   SUF("eli", "e"),
	SUF("ousli", "ous"),   SUF("ization", "ize"), SUF("ation", "ate"),
	SUF("ator", "ate"),    SUF("alism", "al"),    SUF("iveness", "ive"),
	SUF("fulness", "ful"), SUF("ousness", "ous"), SUF("aliti", "al"),
	SUF("iviti", "ive"),   SUF("biliti", "ble"),  SUF("logi", "log"),
};

static const struct suffix step3_tab[] = {
	SUF("icate", "ic"), SUF("ative", ""), SUF("alize", "al"),
	SUF("iciti", "ic"), SUF("ical", "ic"), SUF("ful", ""),
	SUF("ness", ""),
};

static const struct suffix step4_tab[] = {
	SUF("al", ""),	 SUF("ance", ""), SUF("ence", ""), SUF("er", ""),
	SUF("ic", ""),	 SUF("able", ""), SUF("ible", ""), SUF("ant", ""),
	SUF("ement", ""), SUF("ment", ""), SUF("ent", ""), SUF("ion", ""),
	SUF("ou", ""),	 SUF("ism", ""),  SUF("ate", ""),  SUF("iti", ""),
	SUF("ous", ""),	 SUF("ive", ""),  SUF("ize", ""),
};

/*
 * Applies the first entry of tab whose suffix ends the word. The reference
 * implementation switches on the penultimate letter; a linear scan in the
 * same order gives the same result because, for any word, the entries it
 * would skip cannot match (their penultimate letters differ).
 */
static void apply_table(struct stemmer *z, const struct suffix *tab,
			size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (ends(z, tab[i].from, tab[i].len)) {
			replace_if_m(z, tab[i].to);
			return;
		}
	}
}

static void step1ab(struct stemmer *z)
{
	char *b = z->b;

	if (b[z->k] == 's') {
		if (ENDS(z, "sses"))
			z->k -= 2;
		else if (ENDS(z, "ies"))
			set_to(z, "i");
		else if (b[z->k - 1] != 's')
			z->k--;
	}
	if (ENDS(z, "eed")) {
		if (measure(z) > 0)
			z->k--;
	} else if ((ENDS(z, "ed") || ENDS(z, "ing")) && vowel_in_stem(z)) {
		z->k = z->j;
		if (ENDS(z, "at")) {
			set_to(z, "ate");
		} else if (ENDS(z, "bl")) {
			set_to(z, "ble");
		} else if (ENDS(z, "iz")) {
			set_to(z, "ize");
		} else if (double_cons(z, z->k)) {
			char ch;

			z->k--;
			ch = b[z->k];
			if (ch == 'l' || ch == 's' || ch == 'z')
				z->k++;
		} else {
			z->j = z->k;
			if (measure(z) == 1 && cvc(z, z->k))
				set_to(z, "e");
		}
	}
}

static void step1c(struct stemmer *z)
{
	if (ENDS(z, "y") && vowel_in_stem(z))
		z->b[z->k] = 'i';
}

static void step4(struct stemmer *z)
{
	size_t i;

	for (i = 0; i < sizeof(step4_tab) / sizeof(step4_tab[0]); i++) {
		if (!ends(z, step4_tab[i].from, step4_tab[i].len))
			continue;
		if (!strcmp(step4_tab[i].from, "ion") &&
		    !(z->j >= 0 && (z->b[z->j] == 's' || z->b[z->j] == 't')))
			return;
		if (measure(z) > 1)
			z->k = z->j;
		return;
	}
}

static void step5(struct stemmer *z)
{
	z->j = z->k;
	if (z->b[z->k] == 'e') {
		int a = measure(z);

		if (a > 1 || (a == 1 && !cvc(z, z->k - 1)))
			z->k--;
	}
	/* As in the reference, j still marks the word before step 5. */
	if (z->b[z->k] == 'l' && double_cons(z, z->k) && measure(z) > 1)
		z->k--;
}

int porter_stem(char *b, int len)
{
	struct stemmer z;

	z.b = b;
	z.k = len - 1;
	z.j = 0;
	if (z.k <= 1)
		return len;
	step1ab(&z);
	if (z.k > 0) {
		step1c(&z);
		apply_table(&z, step2_tab,
			    sizeof(step2_tab) / sizeof(step2_tab[0]));
		apply_table(&z, step3_tab,
			    sizeof(step3_tab) / sizeof(step3_tab[0]));
		step4(&z);
		step5(&z);
	}
	return z.k + 1;
}
