/*
 * Which tokens say something about a postmortem: see
 * include/pmkb/search/lexicon.h.
 */
#include <stdlib.h>
#include <string.h>

#include "pmkb/search/lexicon.h"

/*
 * English words that every postmortem uses, as the tokenizer stems them
 * (was → wa). Sorted: looked up with bsearch.
 */
static const char *const stop_words[] = {
	"about", "after", "again", "against", "all", "also", "am", "an",
	"and", "ani", "ar", "as", "at", "be", "becaus", "been", "befor",
	"between", "both", "but", "by", "can", "could", "did", "do", "doe",
	"down", "dure", "each", "etc", "few", "for", "from", "further", "ha",
	"had", "have", "he", "her", "here", "hi", "how", "if", "in", "into",
	"is", "it", "itself", "just", "mai", "me", "might", "more", "most",
	"must", "my", "no", "nor", "not", "of", "off", "on", "onc", "onli",
	"onto", "or", "other", "our", "out", "over", "own", "per", "same",
	"she", "should", "so", "some", "such", "than", "that", "the", "thei",
	"their", "them", "then", "there", "these", "thi", "those", "through",
	"to", "too", "under", "until", "up", "us", "veri", "via", "wa", "we",
	"were", "what", "when", "where", "which", "while", "who", "whom",
	"why", "will", "with", "within", "without", "would", "ye", "you",
	"your",
};

/*
 * Two-kanji words that any postmortem may use whatever it is about (今回,
 * 対応, 発生) or that head its sections (概要, 詳細): each is one bigram.
 * Sorted by bytes: bsearch.
 */
static const char *const stop_bigrams[] = {
	"一部", "今回", "今後", "以上", "以下", "以前", "以降", "内容", "前回",
	"可能", "場合", "対応", "対象", "当該", "必要", "情報", "時点", "本件",
	"概要", "状態", "状況", "発生", "確認", "結果", "詳細", "部分", "関連",
};

static int cmp_stop(const void *key, const void *elem)
{
	return strcmp(key, *(const char *const *)elem);
}

/* Whether a word token (not CJK) is worth looking up. */
int lexicon_word_counts(const char *tok, int n)
{
	char w[16];
	int i, digits = 1;

	if (n < 2)
		return 0;
	for (i = 0; i < n; i++)
		if (tok[i] < '0' || tok[i] > '9')
			digits = 0;
	/* Numbers are dates, sizes and counts: shared by chance. */
	if (digits)
		return 0;
	if (n >= (int)sizeof(w))
		return 1;
	memcpy(w, tok, (size_t)n);
	w[n] = '\0';
	return !bsearch(w, stop_words, sizeof(stop_words) / sizeof(*stop_words),
			sizeof(*stop_words), cmp_stop);
}

/*
 * Whether a CJK bigram is worth looking up: not when it holds hiragana.
 * Those are particles and endings (した, の障), or straddle two words;
 * Japanese content words are kanji and katakana. Nor a stop word.
 */
int lexicon_bigram_counts(const char *tok, int n)
{
	const unsigned char *u = (const unsigned char *)tok;
	char w[16];
	int i;

	/* Hiragana is U+3041..U+309F: E3 81 81..E3 82 9F. */
	for (i = 0; i + 2 < n; i++)
		if (u[i] == 0xE3 && (u[i + 1] == 0x81 ||
				     (u[i + 1] == 0x82 && u[i + 2] <= 0x9F)))
			return 0;
	if (n >= (int)sizeof(w))
		return 1;
	memcpy(w, tok, (size_t)n);
	w[n] = '\0';
	return !bsearch(w, stop_bigrams,
			sizeof(stop_bigrams) / sizeof(*stop_bigrams),
			sizeof(*stop_bigrams), cmp_stop);
}

/* Whether a word mixes letters and digits (ERR1902, host042, http2). */
int lexicon_is_ident(const char *tok, int n)
{
	int i, letters = 0, digits = 0;

	for (i = 0; i < n; i++) {
		if (tok[i] >= '0' && tok[i] <= '9')
			digits = 1;
		else if ((tok[i] >= 'a' && tok[i] <= 'z'))
			letters = 1;
	}
	return n >= 4 && letters && digits;
}
