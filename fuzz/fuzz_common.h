/*
 * fuzz_common.h — what every libFuzzer harness under fuzz/ shares.
 *
 * A harness states the properties the code under test must keep for every
 * input; `FUZZ_CHECK` turns a broken property into an abort, which libFuzzer
 * reports as a crash and saves the input for. The message names the
 * property, so a crash report says what went wrong, not only where.
 */
#ifndef CONNECTOR_MOCK_FUZZ_COMMON_H
#define CONNECTOR_MOCK_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define FUZZ_CHECK(condition, ...)                                                                 \
	do {                                                                                       \
		if (!(condition)) {                                                                \
			fprintf(stderr, "%s:%d: property broken: %s\n  ", __FILE__, __LINE__,      \
				#condition);                                                       \
			fprintf(stderr, __VA_ARGS__);                                              \
			fputc('\n', stderr);                                                       \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/*
 * A heap copy of exactly `size` bytes, so that AddressSanitizer catches a
 * read one byte past the input: the code under test may not rely on a
 * terminating NUL it was not promised. Free it with free().
 */
static inline char *fuzz_exact_copy(const void *data, size_t size)
{
	char *copy = malloc(size); /* ASan: non-NULL even for 0, and no byte readable */
	if (!copy)
		abort();
	if (size)
		memcpy(copy, data, size);
	return copy;
}

/* A NUL-terminated heap copy of `size` bytes. */
static inline char *fuzz_string_copy(const void *data, size_t size)
{
	char *copy = malloc(size + 1);
	if (!copy)
		abort();
	if (size)
		memcpy(copy, data, size);
	copy[size] = '\0';
	return copy;
}

#endif
