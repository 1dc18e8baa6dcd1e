#pragma once

// Content hashes of files (sources read, sinks written), remembered by (size, modification
// time, inode) in `.weir/source-hashes.json`, so an unchanged file is not read again.

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace weir::runtime {

// SourceHashes::hashBytes of content given a piece at a time: the same hash as of the pieces
// joined.
class ContentHasher {
 public:
  ContentHasher();
  ~ContentHasher();
  ContentHasher(const ContentHasher&) = delete;
  ContentHasher& operator=(const ContentHasher&) = delete;
  void update(std::string_view piece);
  std::string hex() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

class SourceHashes {
 public:
  // The memo `memoPath` is below `base` (the project root), where it is saved through
  // io/StateFolder.h (never through a planted symlink).
  SourceHashes(std::string base, std::string memoPath);

  // The XXH3-128 of the file's content (32 hex digits); nullopt when it cannot be read.
  std::optional<std::string> hashOf(const std::string& path);
  // Records the hash of content just written to `path` (a sink's output).
  void remember(const std::string& path, const std::string& hash);
  // Writes the memo back (atomically) when it changed.
  void save();

  static std::string hashBytes(std::string_view bytes);
  // hashBytes of a file's content, read a piece at a time with each piece's pages given back
  // (MappedFile::forEachPiece): hashing a file never holds it whole. nullopt when it cannot be
  // opened (not a regular file, unreadable).
  static std::optional<std::string> hashFile(const std::string& path);

 private:
  struct Entry {
    std::uint64_t size = 0;
    std::int64_t mtime = 0;  // nanoseconds
    std::uint64_t inode = 0;
    std::string hash;
  };
  bool stat(const std::string& path, Entry& entry) const;

  std::string base_;
  std::string memoPath_;
  std::map<std::string, Entry> entries_;
  bool changed_ = false;
  std::mutex mutex_;
};

}  // namespace weir::runtime
