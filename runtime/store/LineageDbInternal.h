#pragma once

// What the lineage database's implementation files share (store-private: SQLite stays inside
// the store): the connection's handle, prepared statements, and small helpers.

#include "store/LineageDb.h"

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <map>
#include <string>
#include <thread>

namespace weir::runtime {

namespace lineage {

// Why the last write was not done: SQLite's message, or that it changed nothing.
inline std::string whyNot(sqlite3* db) {
  int code = sqlite3_errcode(db);
  return code == SQLITE_OK || code == SQLITE_DONE || code == SQLITE_ROW ? "a write changed nothing" : sqlite3_errmsg(db);
}

inline const std::string kGenesisHash(64, '0');

// The wall clock in milliseconds since the Unix epoch, and such a time as ISO 8601 text to the
// second (the second it falls in).
inline std::int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}
inline std::string isoSeconds(std::int64_t ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

inline std::string now() {
  std::time_t t = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}


// A prepared statement, finalized on scope exit.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) { sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr); }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  bool ok() const { return stmt_ != nullptr; }
  Statement& bind(int i, const std::string& v) {
    sqlite3_bind_text(stmt_, i, v.c_str(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& bind(int i, std::int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  Statement& bind(int i, double v) {
    sqlite3_bind_double(stmt_, i, v);
    return *this;
  }
  Statement& bindNull(int i) {
    sqlite3_bind_null(stmt_, i);
    return *this;
  }
  int step() { return sqlite3_step(stmt_); }
  // Steps a statement that writes: whether it ran to the end.
  bool done() { return stmt_ != nullptr && sqlite3_step(stmt_) == SQLITE_DONE; }
  std::string text(int column) const {
    const unsigned char* t = sqlite3_column_text(stmt_, column);
    return t == nullptr ? std::string() : reinterpret_cast<const char*>(t);
  }
  std::int64_t integer(int column) const { return sqlite3_column_int64(stmt_, column); }
  bool isNull(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
  double real(int column) const { return sqlite3_column_double(stmt_, column); }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};


}  // namespace lineage

struct LineageDb::Handle {
  sqlite3* db = nullptr;
  sqlite3_stmt* insertNode = nullptr;  // prepared once: a run records hundreds of nodes
  // Waiting for another process that holds the database: what is left of this object's time,
  // what one operation may take, and what the current one took.
  std::chrono::milliseconds waitLeft{10000};
  std::chrono::milliseconds perOperation{10000};
  std::chrono::milliseconds waited{0};
  // When each run this object began started, for its duration.
  std::map<std::int64_t, std::chrono::steady_clock::time_point> runStarts;
  ~Handle() {
    sqlite3_finalize(insertNode);
    if (db != nullptr) sqlite3_close(db);
  }

  // SQLite's busy handler: sleeps a little and retries while the limits allow (SQLite's own
  // busy timeout waits its full length on every statement, so a run of many writes stalled for
  // that long again and again).
  static int onBusy(void* self, int attempt) {
    auto* handle = static_cast<Handle*>(self);
    if (attempt == 0) handle->waited = std::chrono::milliseconds(0);  // another operation
    static constexpr int kDelays[] = {1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100};
    std::chrono::milliseconds delay(attempt < 12 ? kDelays[attempt] : 100);
    delay = std::min({delay, handle->waitLeft, handle->perOperation - handle->waited});
    if (delay.count() <= 0) return 0;
    std::this_thread::sleep_for(delay);
    handle->waitLeft -= delay;
    handle->waited += delay;
    return 1;
  }
};

}  // namespace weir::runtime
