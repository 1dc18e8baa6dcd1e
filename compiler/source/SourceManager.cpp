#include "source/SourceManager.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace weir::source {

std::string formatRange(const SourceRange& range) {
  return fmt::format("{}:{}-{}:{}", range.begin.line, range.begin.column, range.end.line,
                     range.end.column);
}

SourceFile::SourceFile(FileId id, std::string path, std::string text)
    : id_(id), path_(std::move(path)), text_(std::move(text)) {
  lineStarts_.push_back(0);
  for (std::size_t i = 0; i < text_.size(); ++i) {
    if (text_[i] == '\n') lineStarts_.push_back(i + 1);
  }
}

std::string_view SourceFile::line(std::uint32_t line) const {
  if (line == 0 || line > lineStarts_.size()) return {};
  std::size_t begin = lineStarts_[line - 1];
  std::size_t end = line < lineStarts_.size() ? lineStarts_[line] - 1 : text_.size();
  if (end > begin && text_[end - 1] == '\r') --end;
  return std::string_view(text_).substr(begin, end - begin);
}

const SourceFile& SourceManager::addFile(std::string path, std::string text) {
  auto id = static_cast<FileId>(files_.size() + 1);
  files_.push_back(std::make_unique<SourceFile>(id, std::move(path), std::move(text)));
  return *files_.back();
}

std::optional<FileId> SourceManager::loadFile(const std::string& path, std::string& error) {
  if (const SourceFile* existing = findByPath(path)) return existing->id();
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    error = "it is a directory";
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = std::strerror(errno);
    return std::nullopt;
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) {
    error = "read error";
    return std::nullopt;
  }
  return addFile(path, buffer.str()).id();
}

const SourceFile* SourceManager::file(FileId id) const {
  if (id == kNoFile || id > files_.size()) return nullptr;
  return files_[id - 1].get();
}

const SourceFile* SourceManager::findByPath(const std::string& path) const {
  for (const auto& file : files_) {
    if (file->path() == path) return file.get();
  }
  return nullptr;
}

static bool isContinuationByte(unsigned char byte) { return (byte & 0xC0) == 0x80; }

std::uint32_t codePointCount(std::string_view utf8) {
  std::uint32_t count = 0;
  for (char c : utf8) {
    if (!isContinuationByte(static_cast<unsigned char>(c))) ++count;
  }
  return count;
}

std::size_t byteOffsetOfColumn(std::string_view line, std::uint32_t column) {
  std::uint32_t current = 1;
  for (std::size_t i = 0; i < line.size(); ++i) {
    if (isContinuationByte(static_cast<unsigned char>(line[i]))) continue;
    if (current == column) return i;
    ++current;
  }
  return line.size();
}

}  // namespace weir::source
