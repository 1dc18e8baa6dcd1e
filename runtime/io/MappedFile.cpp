#include "io/MappedFile.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace weir::runtime {

MappedFile::~MappedFile() {
  if (data_ != nullptr && size_ > 0) ::munmap(const_cast<char*>(data_), size_);
}

bool MappedFile::open(const std::string& path, std::string& error) {
  // Without blocking: opening a FIFO to read would wait for a writer before fstat could refuse it.
  int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    error = std::strerror(errno);
    return false;
  }
  struct stat info {};
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    error = S_ISDIR(info.st_mode) ? "is a folder, not a data file" : "is not a regular file";
    ::close(fd);
    return false;
  }
  size_ = static_cast<std::size_t>(info.st_size);
  if (size_ > 0) {
    void* mapped = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (mapped == MAP_FAILED) {
      error = std::strerror(errno);
      size_ = 0;
      ::close(fd);
      return false;
    }
    ::madvise(mapped, size_, MADV_SEQUENTIAL);
    data_ = static_cast<const char*>(mapped);
  }
  ::close(fd);
  return true;
}

void MappedFile::release(std::size_t begin, std::size_t end) const {
  static const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  std::size_t first = (begin + page - 1) / page * page;
  std::size_t last = end >= size_ ? (size_ + page - 1) / page * page : end / page * page;
  if (data_ == nullptr || first >= last) return;
  ::madvise(const_cast<char*>(data_) + first, last - first, MADV_DONTNEED);
}

void MappedFile::forEachPiece(const std::function<bool(std::string_view)>& each, std::size_t pieceBytes) const {
  for (std::size_t begin = 0; begin < size_; begin += pieceBytes) {
    std::size_t end = begin + std::min(pieceBytes, size_ - begin);
    bool more = each(std::string_view(data_ + begin, end - begin));
    release(begin, end);
    if (!more) return;
  }
}

}  // namespace weir::runtime
