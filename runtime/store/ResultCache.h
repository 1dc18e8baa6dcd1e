#pragma once

// The content-addressed result cache: entries under `.weir/cache/xx/KEY` (KEY: 32 hex digits),
// each a zstd-compressed payload with the XXH3-128 checksum of the whole entry. Writes are
// crash-safe (a temporary file, flushed, renamed, the folder flushed); reads verify the checksum,
// so a damaged or truncated entry is a miss with a reason, never a result.

#include "store/LeaseLock.h"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace weir::runtime {

class ResultCache {
 public:
  // `folder` (`.weir/cache`) is below `base` (the project root): entries and locks are written
  // through io/StateFolder.h, never through a symlink planted below the base.
  ResultCache(std::string base, std::string folder) : base_(std::move(base)), folder_(std::move(folder)) {}

  // The payload stored under `key`. Nullopt when there is none, or when the entry is damaged
  // (then `problem` says how).
  std::optional<std::string> load(const std::string& key, std::string& problem) const;
  // Whether an entry is stored under `key` and matches its checksum (without decompressing it);
  // `problem` says why not when there is a damaged entry.
  bool verify(const std::string& key, std::string& problem) const;
  // Stores `payload` under `key`; false with `error` set when it cannot.
  bool store(const std::string& key, std::string_view payload, std::string& error) const;
  std::string pathOf(const std::string& key) const;
  // Where the content hash of the table or model stored under `key` is recorded, beside it: its
  // consumers' keys are made of it (early cutoff, docs/STORE.md).
  static std::string contentRecordKey(const std::string& key);

  // An entry's bytes as stored (for a remote), and installing bytes received from one: checked
  // (magic, checksum, a frame of the size it says) before anything is written; false with
  // `problem` when they are not an entry. A key is 32 lowercase hex digits.
  std::optional<std::string> rawEntry(const std::string& key, std::string& problem) const;
  bool installEntry(const std::string& key, std::string_view entry, std::string& problem) const;
  static bool checkEntry(std::string_view entry, std::string& problem);

  // Holds the lock on computing `key` across processes while it lives: `.weir/locks/KEY`, an
  // flock the system releases if the process dies (no stale locks), holding an owner token for
  // people. `contended` says whether another run held it (then its result may now be cached).
  // A lock file that is a symlink or has other links is replaced, never opened (its target
  // would be truncated); when no lock can be had, the key is computed anyway.
  class KeyLock {
   public:
    KeyLock() = default;
    KeyLock(KeyLock&& other) noexcept : contended(other.contended), fd_(other.fd_), lease_(std::move(other.lease_)) { other.fd_ = -1; }
    KeyLock& operator=(KeyLock&&) = delete;
    ~KeyLock();
    bool contended = false;

   private:
    friend class ResultCache;
    int fd_ = -1;
    std::optional<LeaseLock> lease_;
  };
  KeyLock lock(const std::string& key) const;

  // How locks are taken (WEIR_LOCKS, the same on every host sharing the project): `flock`
  // (default) or `lease` (LeaseLock: for file systems where flock is not reliable).
  enum class LockKind { Flock, Lease };
  static std::optional<LockKind> lockKind();  // nullopt: WEIR_LOCKS holds something else
  static constexpr std::chrono::seconds kLease{60};

 private:
  std::string base_;
  std::string folder_;
};

}  // namespace weir::runtime
