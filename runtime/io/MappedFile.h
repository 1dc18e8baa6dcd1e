#pragma once

// A read-only view of a whole file, mapped into memory (no copy, pages read on demand).

#include <cstddef>
#include <functional>
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
  // (The file's last page goes back with its end: it is the only page past the end.)
  void release(std::size_t begin, std::size_t end) const;
  // Calls `each` on the file's consecutive pieces of `pieceBytes` (the last may be shorter) and
  // gives each piece's pages back once `each` returns, so a pass over the whole file (a hash, a
  // copy) keeps one piece resident, not the file: mapped pages a pass touched count in the
  // process's memory until they are released or unmapped. Stops early when `each` returns false.
  static constexpr std::size_t kPassPieceBytes = std::size_t{4} << 20;
  void forEachPiece(const std::function<bool(std::string_view)>& each, std::size_t pieceBytes = kPassPieceBytes) const;

 private:
  const char* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace weir::runtime
