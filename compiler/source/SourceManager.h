#pragma once

#include "source/SourceRange.h"

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace weir::source {

// The text of one source file with an index of where its lines start.
class SourceFile {
 public:
  SourceFile(FileId id, std::string path, std::string text);

  FileId id() const { return id_; }
  const std::string& path() const { return path_; }
  const std::string& text() const { return text_; }
  std::uint32_t lineCount() const { return static_cast<std::uint32_t>(lineStarts_.size()); }

  // The text of a 1-based line, without its line terminator; empty past the end.
  std::string_view line(std::uint32_t line) const;

 private:
  FileId id_;
  std::string path_;
  std::string text_;
  std::vector<std::size_t> lineStarts_;  // byte offsets
};

// Hands out file ids. Compilations that share one (a workspace's) can share files, and the
// syntax trees parsed from them, since an id then names one file in all of them.
class FileIdAllocator {
 public:
  FileId next() { return next_.fetch_add(1, std::memory_order_relaxed); }

 private:
  std::atomic<FileId> next_{1};
};

// Owns (or shares) every file of a compilation. Files are never unloaded, so references stay
// valid. Files are kept in the order they were added: the root first, then its imports.
class SourceManager {
 public:
  SourceManager() : ids_(std::make_shared<FileIdAllocator>()) {}
  explicit SourceManager(std::shared_ptr<FileIdAllocator> ids) : ids_(std::move(ids)) {}

  // Adds a file whose text is already in memory (standard input, tests, the language server).
  const SourceFile& addFile(std::string path, std::string text);

  // Adds a file another compilation with the same allocator loaded, keeping its id.
  const SourceFile& adoptFile(std::shared_ptr<const SourceFile> file);

  // Reads a file from disk; nullopt with `error` set when it cannot be read.
  std::optional<FileId> loadFile(const std::string& path, std::string& error);

  const SourceFile* file(FileId id) const;
  std::shared_ptr<const SourceFile> shared(FileId id) const;
  const SourceFile* findByPath(const std::string& path) const;

  // The position of a file in the order files were added (for sorting by file).
  std::size_t orderOf(FileId id) const;
  const std::vector<std::shared_ptr<const SourceFile>>& files() const { return files_; }

 private:
  std::shared_ptr<FileIdAllocator> ids_;
  std::vector<std::shared_ptr<const SourceFile>> files_;
};

// Reads a whole file; nullopt with `error` set (missing, unreadable, a directory, or not a
// regular file: a FIFO or a device is refused without waiting on it).
std::optional<std::string> readWholeFile(const std::string& path, std::string& error);

// Counts the code points of UTF-8 text (invalid bytes count as one each).
std::uint32_t codePointCount(std::string_view utf8);

// The byte offset of the 1-based code-point column in a line of UTF-8 text (clamped to its end).
std::size_t byteOffsetOfColumn(std::string_view line, std::uint32_t column);

}  // namespace weir::source
