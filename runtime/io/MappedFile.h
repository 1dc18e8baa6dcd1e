#pragma once

// A read-only view of a whole file, mapped into memory (no copy, pages read on demand).

#include <string>
#include <string_view>

namespace weir::runtime {

class MappedFile {
 public:
  MappedFile() = default;
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  // Maps `path`; false with `error` set when it cannot be opened or is not a regular file.
  bool open(const std::string& path, std::string& error);
  std::string_view text() const { return {data_, size_}; }
  // Gives the pages wholly inside [begin, end) back to the system (read again on demand).
  void release(std::size_t begin, std::size_t end) const;

 private:
  const char* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace weir::runtime
