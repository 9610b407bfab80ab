/* fuzz_spec.c - libFuzzer target for the job-spec parser: any bytes give a spec or an error, never a crash, a leak or undefined behaviour. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tg_spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    tg_spec spec;
    tg_error err = {0};
    if (tg_spec_load_string(&spec, text, &err) == TG_OK) {
        /* A parsed spec is whole: every entry has its columns, every column a name and a type. */
        for (size_t f = 0; f < spec.n_features; f++)
            for (size_t c = 0; c < spec.features[f].n_columns; c++)
                if (!spec.features[f].columns[c].name[0] || !spec.features[f].columns[c].definition)
                    abort();
    } else if (!err.message[0]) {
        abort(); /* every failure explains itself */
    }
    tg_spec_destroy(&spec);
    free(text);
    return 0;
}
