#include "io/AtomicFile.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <random>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

namespace weir::runtime {

namespace {

bool writeAll(int fd, std::string_view content) {
  while (!content.empty()) {
    ssize_t written = ::write(fd, content.data(), content.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    content.remove_prefix(static_cast<std::size_t>(written));
  }
  return true;
}

// Six random letters and digits: the `XXXXXX` of `.NAME.weir-XXXXXX` (what `weir cache gc`
// recognizes as an interrupted write).
std::string randomSuffix() {
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  thread_local std::mt19937_64 generator{(static_cast<std::uint64_t>(std::random_device{}()) << 32) ^ std::random_device{}()};
  std::string suffix(6, 'x');
  for (char& c : suffix) c = kAlphabet[generator() % (sizeof kAlphabet - 1)];
  return suffix;
}

}  // namespace

bool AtomicFileWriter::openAt(int folder, bool ownFolder, const std::string& name, std::string& error) {
  folder_ = folder;
  ownFolder_ = ownFolder;
  name_ = name;
  for (int attempt = 0; attempt < 100 && fd_ < 0; ++attempt) {
    temp_ = "." + name + ".weir-" + randomSuffix();
    // Mode 0666: the umask decides, as for any file a program creates (mkstemp's 0600 did not).
    fd_ = ::openat(folder, temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd_ < 0 && errno != EEXIST) break;
  }
  if (fd_ < 0) {
    error = std::string("cannot create a temporary file next to it: ") + std::strerror(errno);
    return false;
  }
  return true;
}

bool AtomicFileWriter::open(const std::string& path, std::string& error) {
  namespace fs = std::filesystem;
  fs::path target(path);
  fs::path folder = target.parent_path().empty() ? fs::path(".") : target.parent_path();
  int dir = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) {
    error = std::string("cannot create a temporary file next to it: ") + std::strerror(errno);
    return false;
  }
  return openAt(dir, true, target.filename().string(), error);
}

bool AtomicFileWriter::write(std::string_view piece, std::string& error) {
  if (!writeAll(fd_, piece)) {
    error = std::strerror(errno);
    discard();
    return false;
  }
  written_ += piece.size();
#ifdef __linux__
  // Start writing back what is written so far (without waiting): the disk works while the next
  // pieces are formatted, and commit()'s fsync has little left to do.
  constexpr std::uint64_t kHandOver = std::uint64_t{8} << 20;
  if (written_ - handedToDisk_ >= kHandOver) {
    ::sync_file_range(fd_, static_cast<off64_t>(handedToDisk_), static_cast<off64_t>(written_ - handedToDisk_), SYNC_FILE_RANGE_WRITE);
    handedToDisk_ = written_;
  }
#endif
  return true;
}

bool AtomicFileWriter::commit(std::string& error) {
  // A file that is replaced keeps its permissions (a symlink there is replaced like any entry).
  struct stat existing {};
  bool keepMode = ::fstatat(folder_, name_.c_str(), &existing, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(existing.st_mode);
  bool ok = (!keepMode || ::fchmod(fd_, existing.st_mode & 0777) == 0) && ::fsync(fd_) == 0;
  int savedErrno = errno;
  if (::close(fd_) != 0 && ok) {
    ok = false;
    savedErrno = errno;
  }
  fd_ = -1;
  if (ok && ::renameat(folder_, temp_.c_str(), folder_, name_.c_str()) != 0) {
    ok = false;
    savedErrno = errno;
  }
  if (!ok) {
    error = std::strerror(savedErrno);
    discard();
    return false;
  }
  // The rename itself is durable once the folder is flushed.
  ::fsync(folder_);
  temp_.clear();
  discard();
  return true;
}

void AtomicFileWriter::discard() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (!temp_.empty() && folder_ >= 0) ::unlinkat(folder_, temp_.c_str(), 0);
  temp_.clear();
  if (ownFolder_ && folder_ >= 0) ::close(folder_);
  folder_ = -1;
}

AtomicFileWriter::~AtomicFileWriter() { discard(); }

bool writeFileAtomicallyAt(int folder, const std::string& name, std::string_view content, std::string& error) {
  AtomicFileWriter writer;
  return writer.openAt(folder, false, name, error) && writer.write(content, error) && writer.commit(error);
}

bool writeFileAtomically(const std::string& path, std::string_view content, std::string& error) {
  AtomicFileWriter writer;
  return writer.open(path, error) && writer.write(content, error) && writer.commit(error);
}

}  // namespace weir::runtime
