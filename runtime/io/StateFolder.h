#pragma once

// Where Weir writes its own state (the project's `.weir/`: cache entries, locks, the file-hash
// memo, the lineage database, run manifests, model cards, rejected records): every such file is
// created, opened, replaced or removed through a StateFolder, and nowhere else. Whatever was
// planted in the project, what Weir writes stays inside it:
// - the base folder (the canonical project root) is trusted; every folder below it is opened one
//   at a time relative to the one before (openat) with O_NOFOLLOW | O_DIRECTORY, so each is a
//   real folder, never a symlink, and nothing can redirect the folders between the check and the
//   write: `.weir`, `.weir/cache` or `.weir/cards` as a symlink is refused, not followed;
// - a file is named by one file name (no `/`, not `.` or `..`; names derived from declarations
//   go through support::fileNameFor) and replaced by an atomic rename, never written through a
//   symlink; one opened in place (a lock) is a regular file with one link (truncating a hard
//   link would reach a file elsewhere);
// - new files get 0666 and folders 0777, less the umask, as any program's.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace weir::runtime {

class AtomicFileWriter;

class StateFolder {
 public:
  StateFolder() = default;
  StateFolder(StateFolder&& other) noexcept;
  StateFolder& operator=(StateFolder&& other) noexcept;
  StateFolder(const StateFolder&) = delete;
  StateFolder& operator=(const StateFolder&) = delete;
  ~StateFolder();

  // Opens the folder `path`, which must be `base` or lexically below it (no `..`), creating the
  // missing folders when `create`. Not ok(), with `error` saying which part is wrong, when a
  // part is a symlink, not a folder, or cannot be opened or created (or is missing, without
  // `create`: then `error` is empty).
  static StateFolder open(const std::string& base, const std::string& path, bool create, std::string& error);

  bool ok() const { return fd_ >= 0; }
  const std::string& path() const { return path_; }
  std::string pathOf(const std::string& name) const;

  // Writes `name` atomically (a temporary file here, flushed, renamed over it, the folder flushed).
  bool writeFile(const std::string& name, std::string_view content, std::string& error) const;
  // Opens `name` for reading and writing, creating it (empty) when missing; the descriptor
  // belongs to the caller. -1 with `error` set when it is a symlink, not a regular file, has
  // other links (then `*foreign` is set: no file of Weir's, the caller may remove it and try
  // again), or cannot be opened.
  int openFile(const std::string& name, std::string& error, bool* foreign = nullptr) const;
  // Removes the entry `name` (a symlink is removed, not followed); true when it is gone.
  bool removeFile(const std::string& name, std::string& error) const;
  // Creates a new, empty folder here named `prefix` followed by `.` and six random letters and
  // digits, and opens it; not ok(), with `error` set, when it cannot.
  StateFolder createFreshFolder(const std::string& prefix, std::string& error) const;
  // Removes the entry `name` and, when it is a folder, everything in it, never following a
  // symlink (one is removed, not what it points to); true when it is gone. What another program
  // put there (a step's scratch folder) is removed the same way, nested at most 256 folders deep.
  bool removeTree(const std::string& name, std::string& error) const;
  // Opens `writer` to write `name` here a piece at a time, atomically at its commit() (for
  // content too large to hold whole in memory).
  bool openWriter(const std::string& name, AtomicFileWriter& writer, std::string& error) const;
  // The same, without flushing anything to disk: for what a crash may lose (a lock's lease,
  // which is worth nothing after one). A reader still sees the old content or the new, whole.
  bool writeVolatileFile(const std::string& name, std::string_view content, std::string& error) const;
  // Gives the file `existing` a second name `newName` here (link(2): atomic on network file
  // systems too, where an exclusive create is not). Exists: `newName` was there already.
  enum class Linked { Yes, Exists, Failed };
  Linked linkFile(const std::string& existing, const std::string& newName, std::string& error) const;
  // The content of the regular file `name` (not a symlink), at most `maxBytes`; false when it is
  // missing (`error` empty) or cannot be read.
  bool readFile(const std::string& name, std::size_t maxBytes, std::string& content, std::string& error) const;
  // Moves the file `name` to `to` under `newName` (a rename: both folders on one file system).
  bool moveFile(const std::string& name, const StateFolder& to, const std::string& newName, std::string& error) const;

  // The folder's entries, as they are (symlinks not followed).
  struct Entry {
    enum class Kind { File, Folder, Symlink, Other };  // Other: a FIFO, a device, a socket
    std::string name;
    Kind kind = Kind::Other;
    std::uintmax_t size = 0;
    std::int64_t modified = 0;  // seconds since the epoch
  };
  std::vector<Entry> entries() const;

 private:
  int fd_ = -1;
  std::string path_;
};

// Writes the file `path` (below `base`) atomically through a StateFolder, creating its folders.
bool writeStateFile(const std::string& base, const std::string& path, std::string_view content, std::string& error);

// Whether `name` is one plain file name: not empty, no `/` or NUL, not `.` or `..`.
bool isPlainFileName(std::string_view name);

}  // namespace weir::runtime
