/*
 * The Porter stemmer against the examples of Porter's paper (1980), each
 * taken through the whole algorithm, and the words it leaves alone.
 */
#include <stdio.h>
#include <string.h>

#include "pmkb/db/porter.h"
#include "tap.h"

static const char *stem(const char *w, char *out)
{
	int n = (int)strlen(w);

	memcpy(out, w, (size_t)n + 1);
	out[porter_stem(out, n)] = 0;
	return out;
}

static void test_vocabulary(void)
{
	static const struct {
		const char *word, *stem;
	} v[] = {
		{ "caresses", "caress" }, { "ponies", "poni" },
		{ "ties", "ti" }, { "caress", "caress" }, { "cats", "cat" },
		{ "feed", "feed" }, { "agreed", "agre" },
		{ "plastered", "plaster" }, { "motoring", "motor" },
		{ "sing", "sing" }, { "conflated", "conflat" },
		{ "troubled", "troubl" }, { "sized", "size" },
		{ "hopping", "hop" }, { "tanned", "tan" },
		{ "falling", "fall" }, { "hissing", "hiss" },
		{ "fizzed", "fizz" }, { "failing", "fail" },
		{ "filing", "file" }, { "happy", "happi" }, { "sky", "sky" },
		{ "relational", "relat" }, { "conditional", "condit" },
		{ "rational", "ration" }, { "valenci", "valenc" },
		{ "digitizer", "digit" }, { "conformabli", "conform" },
		{ "radicalli", "radic" }, { "differentli", "differ" },
		{ "vileli", "vile" }, { "analogousli", "analog" },
		{ "vietnamization", "vietnam" }, { "predication", "predic" },
		{ "operator", "oper" }, { "feudalism", "feudal" },
		{ "decisiveness", "decis" }, { "hopefulness", "hope" },
		{ "callousness", "callous" }, { "formaliti", "formal" },
		{ "sensitiviti", "sensit" }, { "sensibiliti", "sensibl" },
		{ "triplicate", "triplic" }, { "formative", "form" },
		{ "formalize", "formal" }, { "electriciti", "electr" },
		{ "electrical", "electr" }, { "hopeful", "hope" },
		{ "goodness", "good" }, { "revival", "reviv" },
		{ "allowance", "allow" }, { "inference", "infer" },
		{ "airliner", "airlin" }, { "gyroscopic", "gyroscop" },
		{ "adjustable", "adjust" }, { "defensible", "defens" },
		{ "irritant", "irrit" }, { "replacement", "replac" },
		{ "adjustment", "adjust" }, { "dependent", "depend" },
		{ "adoption", "adopt" }, { "homologou", "homolog" },
		{ "communism", "commun" }, { "activate", "activ" },
		{ "angulariti", "angular" }, { "homologous", "homolog" },
		{ "effective", "effect" }, { "bowdlerize", "bowdler" },
		{ "probate", "probat" }, { "rate", "rate" },
		{ "cease", "ceas" }, { "controll", "control" },
		{ "roll", "roll" },
	};
	char out[64], what[96];

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		snprintf(what, sizeof(what), "%s -> %s", v[i].word, v[i].stem);
		is_str(stem(v[i].word, out), v[i].stem, what);
	}
}

static void test_short(void)
{
	char out[64];

	is_str(stem("is", out), "is", "two letters: as written");
	is_str(stem("a", out), "a", "one letter: as written");
	is_str(stem("", out), "", "nothing: nothing");
	is_str(stem("ies", out), "i", "three letters are stemmed");
	is_str(stem("deployed", out), "deploi", "deployed");
	is_str(stem("deployment", out), "deploy", "deployment");
}

int main(void)
{
	test_vocabulary();
	test_short();
	return tap_done();
}
