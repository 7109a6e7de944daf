/*
** test_util.c — the utilities every subsystem relies on: buffers, arenas,
** error messages with locations, did-you-mean, UTF-8.
*/
#include <criterion/criterion.h>
#include <string.h>

#include "util/util.h"

Test(util, buf_grows_and_stays_terminated)
{
    plu_buf b;
    plu_buf_init(&b);
    for (int i = 0; i < 1000; i++)
        cr_assert_eq(plu_buf_printf(&b, "%d,", i), 0);
    cr_assert_eq(strncmp(b.data, "0,1,2,", 6), 0);
    cr_assert_eq(b.data[b.len], '\0');
    char *s = plu_buf_take(&b);
    cr_assert_null(b.data);
    cr_assert_eq(strlen(s), 3890);
    plu_free(s);
}

Test(util, arena_is_aligned_and_zeroed)
{
    plu_arena a;
    plu_arena_init(&a);
    for (int i = 1; i < 3000; i += 7) {
        unsigned char *p = plu_arena_alloc(&a, (size_t)i);
        cr_assert_not_null(p);
        cr_assert_eq((uintptr_t)p % 16, 0);
        int nonzero = 0;
        for (int j = 0; j < i; j++)
            nonzero |= p[j];
        cr_assert_eq(nonzero, 0, "arena memory of %d bytes is not zeroed", i);
        memset(p, 0xAB, (size_t)i);
    }
    char *s = plu_arena_strndup(&a, "hello world", 5);
    cr_assert_str_eq(s, "hello");
    plu_arena_free(&a);
}

Test(util, error_carries_location)
{
    pl_err e;
    plu_err_clear(&e);
    pl_loc loc = {"plinth.toml", 12, 5};
    cr_assert_eq(plu_errf(&e, PL_E_CONFIG, &loc, "unknown key '%s'", "timout"), PL_E_CONFIG);
    cr_assert_str_eq(e.msg, "plinth.toml:12:5: unknown key 'timout'");
    plu_err_prefix(&e, "plugin '%s'", "x");
    cr_assert_str_eq(e.msg, "plugin 'x': plinth.toml:12:5: unknown key 'timout'");
    cr_assert_eq(e.status, PL_E_CONFIG);
    cr_assert_eq(e.loc.line, 12);
}

Test(util, suggest_finds_near_misses_only)
{
    const char *keys[] = {"timeout", "name", "path", "config", "wall_timeout_ms", NULL};
    cr_assert_str_eq(plu_suggest("timout", keys), "timeout");
    cr_assert_str_eq(plu_suggest("nmae", keys), "name");
    cr_assert_str_eq(plu_suggest("PATH", keys), "path");
    cr_assert_str_eq(plu_suggest("wall_timeout", keys), "wall_timeout_ms");
    cr_assert_null(plu_suggest("zzzzzz", keys));
    cr_assert_null(plu_suggest("x", keys));
}

Test(util, utf8_rejects_overlong_and_surrogates)
{
    cr_assert_eq(plu_utf8_seq((const unsigned char *)"\xc3\xa9", 2), 2);
    cr_assert_eq(plu_utf8_seq((const unsigned char *)"\xf0\x9f\x98\x80", 4), 4);
    cr_assert_eq(plu_utf8_seq((const unsigned char *)"\xc0\xaf", 2), 0);
    cr_assert_eq(plu_utf8_seq((const unsigned char *)"\xed\xa0\x80", 3), 0);
    cr_assert_eq(plu_utf8_seq((const unsigned char *)"\xf4\x90\x80\x80", 4), 0);
    cr_assert_eq(plu_utf8_seq((const unsigned char *)"\xe2\x82", 2), 0);
    char out[4];
    cr_assert_eq(plu_utf8_encode(0x1F600, out), 4);
    cr_assert_eq(memcmp(out, "\xf0\x9f\x98\x80", 4), 0);
    cr_assert_eq(plu_utf8_encode(0xD800, out), 0);
}

Test(util, status_names_are_stable)
{
    cr_assert_str_eq(pl_status_str(PL_OK), "ok");
    cr_assert_str_eq(pl_status_str(PL_E_NOMEM), "out of memory");
    cr_assert_str_eq(pl_status_str(PL_E_CONFIG), "configuration error");
    cr_assert_str_eq(pl_status_str((pl_status)999), "unknown status");
    cr_assert_eq(PL_E_INTERNAL, 19);
}
