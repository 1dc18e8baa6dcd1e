#include "source/SourceManager.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

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
  files_.push_back(std::make_shared<SourceFile>(ids_->next(), std::move(path), std::move(text)));
  return *files_.back();
}

const SourceFile& SourceManager::adoptFile(std::shared_ptr<const SourceFile> file) {
  if (const SourceFile* existing = this->file(file->id())) return *existing;
  files_.push_back(std::move(file));
  return *files_.back();
}

std::optional<std::string> readWholeFile(const std::string& path, std::string& error) {
  // Opened without blocking and checked before reading: a FIFO would wait for a writer forever
  // and a device (`/dev/zero`) never ends, so anything but a regular file is refused.
  int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    error = errno == EISDIR ? "it is a directory" : std::strerror(errno);
    return std::nullopt;
  }
  struct stat info {};
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    error = S_ISDIR(info.st_mode) ? "it is a directory" : "it is not a regular file";
    ::close(fd);
    return std::nullopt;
  }
  std::string text;
  text.reserve(static_cast<std::size_t>(info.st_size));
  char buffer[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      error = std::strerror(errno);
      ::close(fd);
      return std::nullopt;
    }
    if (n == 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return text;
}

std::optional<FileId> SourceManager::loadFile(const std::string& path, std::string& error) {
  if (const SourceFile* existing = findByPath(path)) return existing->id();
  std::optional<std::string> text = readWholeFile(path, error);
  if (!text) return std::nullopt;
  return addFile(path, std::move(*text)).id();
}

const SourceFile* SourceManager::file(FileId id) const {
  if (id == kNoFile) return nullptr;
  // A compilation holds a handful of files: a scan beats an index that adopted ids would break.
  for (const auto& file : files_) {
    if (file->id() == id) return file.get();
  }
  return nullptr;
}

std::shared_ptr<const SourceFile> SourceManager::shared(FileId id) const {
  for (const auto& file : files_) {
    if (file->id() == id) return file;
  }
  return nullptr;
}

std::size_t SourceManager::orderOf(FileId id) const {
  for (std::size_t i = 0; i < files_.size(); ++i) {
    if (files_[i]->id() == id) return i;
  }
  return files_.size();
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
