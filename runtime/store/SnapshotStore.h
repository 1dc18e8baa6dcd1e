#pragma once

// Snapshots of files (docs/VERSIONS.md): the content of every source, program file and output a
// run used, kept under `.weir/snapshots/xx/HASH`, where HASH is the content's XXH3-128 (the hash
// the lineage database records for the file, SourceHashes::hashBytes): the same content is kept
// once, whatever file and run it came from. An entry is `WEIRSNP1`, the content's size (8 bytes,
// little-endian), a zstd frame (level 1) and the XXH3-128 of all that; written through a
// StateFolder (a temporary file renamed), read back only when its checksum holds and its content
// hashes to its name: an entry is data (planted, damaged, pulled from a remote), never trusted.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace weir::runtime {

class SnapshotStore {
 public:
  // `folder` (`.weir/snapshots`) is below `base` (the project root).
  SnapshotStore(std::string base, std::string folder) : base_(std::move(base)), folder_(std::move(folder)) {}

  // What storing a file did.
  struct Stored {
    std::string hash;        // of the content read
    std::uint64_t size = 0;  // bytes of content
    bool added = false;      // a new entry (false: the content was kept already)
    std::uint64_t entryBytes = 0;  // the new entry's size (0 when none was added)
  };
  // Keeps the content of the file `path`. When `expectedHash` is given and an entry of that hash
  // is there, nothing is read; when the content read hashes otherwise (the file changed since it
  // was hashed), nothing is stored and `error` says so. Nullopt with `error` when it cannot.
  std::optional<Stored> storeFile(const std::string& path, const std::string& expectedHash, std::string& error) const;
  // Keeps `content` (a program file's text); nullopt with `error` when it cannot.
  std::optional<Stored> storeBytes(std::string_view content, std::string& error) const;

  // Whether an entry named `hash` is there (not checked: load() checks).
  bool has(const std::string& hash) const;
  // The content kept under `hash`, verified (checksum, size, hash of the content); nullopt with
  // `problem` saying why not (missing, damaged, not the content its name says).
  std::optional<std::string> load(const std::string& hash, std::string& problem) const;
  std::string pathOf(const std::string& hash) const;

  // The entry's bytes as stored (for a remote), and installing bytes received: checked like
  // load() before anything is written; false with `problem` when they are not the entry `hash`.
  std::optional<std::string> rawEntry(const std::string& hash, std::string& problem) const;
  bool installEntry(const std::string& hash, std::string_view entry, std::string& problem) const;
  // Whether `entry` is a well-formed entry whose content hashes to `hash` (the content, when
  // `content` is not null).
  static bool checkEntry(const std::string& hash, std::string_view entry, std::string& problem, std::string* content = nullptr);
  // Whether `hash` can name an entry: 32 lowercase hex digits.
  static bool isHash(std::string_view hash);

  // The hashes of the entries kept (for `weir gc`), and removing one.
  std::vector<std::string> hashes() const;
  bool remove(const std::string& hash, std::string& error) const;

 private:
  bool write(const std::string& hash, std::string_view entry, std::string& error) const;

  std::string base_;
  std::string folder_;
};

}  // namespace weir::runtime
