#pragma once

#include "source/SourceRange.h"

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

// Owns every file of a compilation. Files are never unloaded, so references stay valid.
class SourceManager {
 public:
  // Adds a file whose text is already in memory (standard input, tests, the language server).
  const SourceFile& addFile(std::string path, std::string text);

  // Reads a file from disk; nullopt with `error` set when it cannot be read.
  std::optional<FileId> loadFile(const std::string& path, std::string& error);

  const SourceFile* file(FileId id) const;
  const SourceFile* findByPath(const std::string& path) const;

 private:
  std::vector<std::unique_ptr<SourceFile>> files_;
};

// Counts the code points of UTF-8 text (invalid bytes count as one each).
std::uint32_t codePointCount(std::string_view utf8);

// The byte offset of the 1-based code-point column in a line of UTF-8 text (clamped to its end).
std::size_t byteOffsetOfColumn(std::string_view line, std::uint32_t column);

}  // namespace weir::source
