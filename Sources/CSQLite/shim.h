#ifndef IFTDB_CSQLITE_SHIM_H
#define IFTDB_CSQLITE_SHIM_H
#include <sqlite3.h>

// Swift cannot call C variadic functions; these wrap the calls we need.
static inline int iftdb_db_config_int(sqlite3 *db, int op, int value) {
    return sqlite3_db_config(db, op, value, (int *)0);
}

// SQLITE_TRANSIENT is a macro casting -1 to a function pointer, which Swift cannot import.
static inline sqlite3_destructor_type iftdb_transient(void) {
    return SQLITE_TRANSIENT;
}
#endif
