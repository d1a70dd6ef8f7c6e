/* SPDX-License-Identifier: MIT */
/*
 * How a connection waits for SQLite's write lock.  The event loop and the
 * mail sender each hold it for one short transaction (a few ms with its
 * fsync); SQLite's own busy_timeout sleeps 1, 2, 5, 10 ... 100 ms between
 * tries, so a burst of logins spent more time asleep than locked out.
 */
#ifndef UA_SQLBUSY_H
#define UA_SQLBUSY_H

#include <sqlite3.h>

/* Retry every SQLBUSY_STEP_US for at most limit_ms, then SQLITE_BUSY. */
#define SQLBUSY_STEP_US 250
void sqlbusy_set(sqlite3 *db, int limit_ms);

#endif
