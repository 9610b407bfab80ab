/* test_tree.c - unit tests of the parent-link forest: order, depth, children, cycles found and broken, and a chain a million deep. */
#include <math.h>
#include <stdio.h>

#include "tg_check.h"
#include "tg_tree.h"

static void load(tg_twins *t, const char *const (*rows)[2], size_t n)
{
    tg_error err = {0};
    tg_twins_init(t);
    for (size_t i = 0; i < n; i++)
        tg_twins_add(t, rows[i][0], rows[i][1], NULL, NAN, NAN, NULL, &err);
    CHECK_INT(tg_twins_finish_devices(t, false, "", NULL, &err), TG_OK);
}

int main(void)
{
    tg_error err = {0};
    tg_twins t;
    tg_tree tree;

    /* Parents come before children; children are grouped in vertex order. */
    const char *const forest[][2] = {{"a", "r"}, {"b", "r"}, {"c", "a"}, {"lone", NULL}, {"r", NULL}};
    load(&t, forest, 5);
    CHECK_INT(tg_tree_build(&tree, &t, false, NULL, &err), TG_OK);
    CHECK_INT(tree.order[0], 3); /* roots first, in vertex order */
    CHECK_INT(tree.order[1], 4);
    for (igraph_integer_t i = 0; i < 5; i++) {
        igraph_integer_t v = tree.order[i], p = t.parent[v];
        CHECK(p < 0 || tree.depth[p] == tree.depth[v] - 1);
    }
    CHECK_INT(tree.child_start[5] - tree.child_start[4], 2);
    CHECK_INT(tree.child[tree.child_start[4]], 0);
    CHECK_INT(tree.depth[2], 2);
    tg_tree_destroy(&tree);
    tg_twins_destroy(&t);

    /* Cycles: an error counting them and naming their twins; a twin below a cycle is no cycle. */
    const char *const cyclic[][2] = {{"a", "b"}, {"b", "a"}, {"below", "a"}, {"self", "self"}, {"x", "y"},
                                     {"y", "z"}, {"z", "x"}, {"ok", NULL}};
    load(&t, cyclic, 8);
    CHECK_INT(tg_tree_build(&tree, &t, false, NULL, &err), TG_ERR_INPUT);
    CHECK_CONTAINS(err.message, "3 cycles");
    CHECK_CONTAINS(err.detail, "\"a\" -> \"b\" -> \"a\"");
    CHECK_CONTAINS(err.detail, "\"self\" -> \"self\"");
    CHECK_CONTAINS(err.detail, "\"x\" -> \"y\" -> \"z\" -> \"x\"");
    CHECK(strstr(err.detail, "below") == NULL);
    CHECK_CONTAINS(err.hint, "on_cycle");
    tg_tree_destroy(&tree);

    /* Broken: the smallest id of each cycle becomes a root; the warning is kept. */
    tg_warnings warnings;
    tg_warnings_init(&warnings);
    CHECK_INT(tg_tree_build(&tree, &t, true, &warnings, &err), TG_OK);
    CHECK_INT(tree.broken_cycles, 3);
    CHECK_INT(t.parent[0], -1); /* a */
    CHECK_INT(t.parent[1], 0);  /* b keeps a */
    CHECK_INT(t.parent[3], -1); /* self */
    CHECK_INT(t.parent[4], -1); /* x */
    CHECK_INT(t.parent[6], 4);  /* z keeps x */
    CHECK_INT(tree.depth[2], 1); /* below hangs under a */
    CHECK_INT(json_array_size(warnings.list), 1);
    tg_warnings_destroy(&warnings);
    tg_tree_destroy(&tree);
    tg_twins_destroy(&t);

    /* A chain a million deep: nothing recursive, so no stack to overflow. */
    tg_twins_init(&t);
    char id[32], parent[32];
    for (int i = 0; i < 1000000; i++) {
        snprintf(id, sizeof id, "n%07d", i);
        snprintf(parent, sizeof parent, "n%07d", i - 1);
        tg_twins_add(&t, id, i ? parent : NULL, NULL, NAN, NAN, NULL, &err);
    }
    CHECK_INT(tg_twins_finish_devices(&t, false, "", NULL, &err), TG_OK);
    CHECK_INT(tg_tree_build(&tree, &t, false, NULL, &err), TG_OK);
    CHECK_INT(tree.depth[999999], 999999);
    CHECK_INT(tree.order[999999], 999999);
    tg_tree_destroy(&tree);
    /* ... and closed into one cycle of a million, it is found and described briefly. */
    t.parent[0] = 999999;
    CHECK_INT(tg_tree_build(&tree, &t, false, NULL, &err), TG_ERR_INPUT);
    CHECK_CONTAINS(err.message, "1 cycle in parent_id");
    CHECK_CONTAINS(err.detail, "-> ... ->");
    CHECK(strlen(err.detail) < 300);
    tg_tree_destroy(&tree);
    tg_twins_destroy(&t);

    /* Long ids on a ring of 10: the description is cut, never written past its buffer. */
    tg_twins_init(&t);
    char long_id[200], long_parent[200];
    for (int i = 0; i < 10; i++) {
        snprintf(long_id, sizeof long_id, "%0137d%03d", 0, i);
        snprintf(long_parent, sizeof long_parent, "%0137d%03d", 0, (i + 1) % 10);
        tg_twins_add(&t, long_id, long_parent, NULL, NAN, NAN, NULL, &err);
    }
    CHECK_INT(tg_twins_finish_devices(&t, false, "", NULL, &err), TG_OK);
    CHECK_INT(tg_tree_build(&tree, &t, false, NULL, &err), TG_ERR_INPUT);
    CHECK_CONTAINS(err.message, "1 cycle in parent_id");
    CHECK(strlen(err.detail) < sizeof err.detail);
    tg_tree_destroy(&tree);
    /* ... and with multibyte ids cut anywhere, the text stays valid UTF-8 (no lead byte dangles). */
    tg_twins_destroy(&t);
    tg_twins_init(&t);
    for (int i = 0; i < 10; i++) {
        char accented[400] = "", accented_parent[400] = "";
        for (int k = 0; k < 60; k++) {
            strcat(accented, "\xc3\xa9");
            strcat(accented_parent, "\xc3\xa9");
        }
        snprintf(accented + strlen(accented), 8, "%d", i);
        snprintf(accented_parent + strlen(accented_parent), 8, "%d", (i + 1) % 10);
        tg_twins_add(&t, accented, accented_parent, NULL, NAN, NAN, NULL, &err);
    }
    CHECK_INT(tg_twins_finish_devices(&t, false, "", NULL, &err), TG_OK);
    CHECK_INT(tg_tree_build(&tree, &t, false, NULL, &err), TG_ERR_INPUT);
    size_t n = strlen(err.detail);
    CHECK(n > 0 && ((unsigned char)err.detail[n - 1] < 0x80 || ((unsigned char)err.detail[n - 2] & 0xE0) == 0xC0));
    tg_tree_destroy(&tree);
    tg_twins_destroy(&t);

    tg_tree zeroed = {0};
    tg_tree_destroy(&zeroed);
    return tg_check_report("test_tree");
}
