/* tg_check.h - the few assertion macros the unit tests share; a failed check is reported and counted, and main returns tg_check_report(). */
#ifndef TG_CHECK_H
#define TG_CHECK_H

#include <math.h>
#include <stdio.h>
#include <string.h>

static int tg_check_failed, tg_check_passed;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (cond)                                                                                  \
            tg_check_passed++;                                                                     \
        else {                                                                                     \
            tg_check_failed++;                                                                     \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);               \
        }                                                                                          \
    } while (0)

#define CHECK_INT(got, want)                                                                       \
    do {                                                                                           \
        long long got_ = (long long)(got), want_ = (long long)(want);                              \
        if (got_ == want_)                                                                         \
            tg_check_passed++;                                                                     \
        else {                                                                                     \
            tg_check_failed++;                                                                     \
            fprintf(stderr, "%s:%d: %s is %lld, want %lld\n", __FILE__, __LINE__, #got, got_, want_); \
        }                                                                                          \
    } while (0)

#define CHECK_STR(got, want)                                                                       \
    do {                                                                                           \
        const char *got_ = (got), *want_ = (want);                                                 \
        if ((got_ == NULL && want_ == NULL) || (got_ && want_ && strcmp(got_, want_) == 0))        \
            tg_check_passed++;                                                                     \
        else {                                                                                     \
            tg_check_failed++;                                                                     \
            fprintf(stderr, "%s:%d: %s is \"%s\", want \"%s\"\n", __FILE__, __LINE__, #got,        \
                    got_ ? got_ : "(null)", want_ ? want_ : "(null)");                             \
        }                                                                                          \
    } while (0)

#define CHECK_CONTAINS(haystack, needle)                                                           \
    do {                                                                                           \
        const char *h_ = (haystack), *n_ = (needle);                                               \
        if (h_ && strstr(h_, n_))                                                                  \
            tg_check_passed++;                                                                     \
        else {                                                                                     \
            tg_check_failed++;                                                                     \
            fprintf(stderr, "%s:%d: \"%s\" does not contain \"%s\"\n", __FILE__, __LINE__,         \
                    h_ ? h_ : "(null)", n_);                                                       \
        }                                                                                          \
    } while (0)

#define CHECK_NEAR(got, want, tol)                                                                 \
    do {                                                                                           \
        double got_ = (got), want_ = (want);                                                       \
        if (fabs(got_ - want_) <= (tol) * fmax(1.0, fabs(want_)))                                  \
            tg_check_passed++;                                                                     \
        else {                                                                                     \
            tg_check_failed++;                                                                     \
            fprintf(stderr, "%s:%d: %s is %.17g, want %.17g\n", __FILE__, __LINE__, #got, got_, want_); \
        }                                                                                          \
    } while (0)

/* Prints the tally; returns the process exit code (a test that checked nothing fails). */
static inline int tg_check_report(const char *name)
{
    printf("%s: %d passed, %d failed\n", name, tg_check_passed, tg_check_failed);
    return tg_check_failed || tg_check_passed == 0 ? 1 : 0;
}

#endif
