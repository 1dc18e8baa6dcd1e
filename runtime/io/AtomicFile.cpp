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

bool writeFileAtomicallyAt(int folder, const std::string& name, std::string_view content, std::string& error) {
  std::string temp;
  int fd = -1;
  for (int attempt = 0; attempt < 100 && fd < 0; ++attempt) {
    temp = "." + name + ".weir-" + randomSuffix();
    // Mode 0666: the umask decides, as for any file a program creates (mkstemp's 0600 did not).
    fd = ::openat(folder, temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd < 0 && errno != EEXIST) break;
  }
  if (fd < 0) {
    error = std::string("cannot create a temporary file next to it: ") + std::strerror(errno);
    return false;
  }
  // A file that is replaced keeps its permissions (a symlink there is replaced like any entry).
  struct stat existing {};
  bool keepMode = ::fstatat(folder, name.c_str(), &existing, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(existing.st_mode);
  bool ok = writeAll(fd, content) && (!keepMode || ::fchmod(fd, existing.st_mode & 0777) == 0) && ::fsync(fd) == 0;
  int savedErrno = errno;
  if (::close(fd) != 0 && ok) {
    ok = false;
    savedErrno = errno;
  }
  if (ok && ::renameat(folder, temp.c_str(), folder, name.c_str()) != 0) {
    ok = false;
    savedErrno = errno;
  }
  if (!ok) {
    error = std::strerror(savedErrno);
    ::unlinkat(folder, temp.c_str(), 0);
    return false;
  }
  // The rename itself is durable once the folder is flushed.
  ::fsync(folder);
  return true;
}

bool writeFileAtomically(const std::string& path, std::string_view content, std::string& error) {
  namespace fs = std::filesystem;
  fs::path target(path);
  fs::path folder = target.parent_path().empty() ? fs::path(".") : target.parent_path();
  int dir = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) {
    error = std::string("cannot create a temporary file next to it: ") + std::strerror(errno);
    return false;
  }
  bool ok = writeFileAtomicallyAt(dir, target.filename().string(), content, error);
  ::close(dir);
  return ok;
}

}  // namespace weir::runtime
