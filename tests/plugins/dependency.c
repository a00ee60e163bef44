/* The library the "missing library" test plugin links against; it is built where the dynamic
 * loader will not look, so loading that plugin fails with the loader's own message. */
int tinyllm_test_dependency_value(void);
int tinyllm_test_dependency_value(void) {
    return 7;
}
