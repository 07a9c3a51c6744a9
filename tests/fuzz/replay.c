/*
 * Replays saved fuzzer inputs through a fuzz target without libFuzzer, so
 * that the normal test suite (and the sanitizer build) re-checks every
 * input the fuzzers ever found interesting. Usage: replay DIR...
 * Prints TAP: one test per file.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int n;

static void replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data = NULL;
	size_t len = 0, cap = 0, got;

	if (!f) {
		printf("not ok %d - cannot open %s\n", ++n, path);
		return;
	}
	do {
		if (len == cap) {
			cap = cap ? cap * 2 : 65536;
			data = realloc(data, cap);
			if (!data)
				abort();
		}
		got = fread(data + len, 1, cap - len, f);
		len += got;
	} while (got);
	fclose(f);
	LLVMFuzzerTestOneInput(data, len);
	free(data);
	printf("ok %d - %s\n", ++n, path);
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		DIR *d = opendir(argv[i]);
		struct dirent *e;
		char **names = NULL;
		size_t count = 0;

		if (!d) {
			replay_file(argv[i]);
			continue;
		}
		while ((e = readdir(d))) {
			if (e->d_name[0] == '.')
				continue;
			names = realloc(names, (count + 1) * sizeof(*names));
			if (!names)
				abort();
			names[count] = malloc(strlen(argv[i]) +
					      strlen(e->d_name) + 2);
			if (!names[count])
				abort();
			sprintf(names[count++], "%s/%s", argv[i], e->d_name);
		}
		closedir(d);
		if (count)
			qsort(names, count, sizeof(*names), cmp);
		for (size_t k = 0; k < count; k++) {
			replay_file(names[k]);
			free(names[k]);
		}
		free(names);
	}
	printf("1..%d\n", n);
	return 0;
}
