#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace weir::runtime {

// The same as writeFileAtomically for content produced a piece at a time (a sink's CSV, formatted
// in parallel and handed over in order): write() each piece, then commit(). The file's pages are
// handed to the disk as they are written (every few MB), so that the flush at commit() does not
// wait for all of it. Destroyed without a successful commit(), the temporary file is removed and
// the target is left as it was.
class AtomicFileWriter {
 public:
  // Opens the temporary file next to `path`; false with `error` set when it could not.
  bool open(const std::string& path, std::string& error);
  bool write(std::string_view piece, std::string& error);
  // Flushes, renames over the target, flushes the folder.
  bool commit(std::string& error);
  ~AtomicFileWriter();

 private:
  bool openAt(int folder, bool ownFolder, const std::string& name, std::string& error);
  friend bool writeFileAtomicallyAt(int folder, const std::string& name, std::string_view content, std::string& error);
  friend class StateFolder;
  void discard();

  int folder_ = -1;
  bool ownFolder_ = false;
  int fd_ = -1;
  std::string name_;
  std::string temp_;
  std::uint64_t written_ = 0;
  std::uint64_t handedToDisk_ = 0;
};

// Writes `content` to `path` so that a crash leaves either the old file or the new one, never
// part of one: a temporary file in the same folder, flushed to disk (fsync), renamed over the
// target, then the folder flushed. Keeps the target's permissions when it exists; a new file
// gets 0666 less the umask, as any program's. False with `error` set when it could not.
bool writeFileAtomically(const std::string& path, std::string_view content, std::string& error);

// The same, for the file `name` (one file name, no `/`) in the open folder `folder`: the
// temporary file is created and renamed relative to that folder, never through a symlink (a
// symlink at `name` is replaced, not followed). How io/StateFolder.h writes Weir's state.
bool writeFileAtomicallyAt(int folder, const std::string& name, std::string_view content, std::string& error);

}  // namespace weir::runtime
