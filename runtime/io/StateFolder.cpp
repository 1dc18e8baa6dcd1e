#include "io/StateFolder.h"

#include "io/AtomicFile.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <filesystem>
#include <random>
#include <sys/stat.h>
#include <unistd.h>

namespace weir::runtime {

namespace fs = std::filesystem;

namespace {

constexpr int kFolderFlags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;

// Why the entry `name` of the open folder `parent` could not be opened as what it should be.
std::string whyNot(int parent, const std::string& name, const std::string& shown, bool folder, int openErrno) {
  struct stat info {};
  if (::fstatat(parent, name.c_str(), &info, AT_SYMLINK_NOFOLLOW) == 0) {
    if (S_ISLNK(info.st_mode)) {
      return fmt::format("{} is a symbolic link: Weir keeps its state only in real files and folders inside the project (remove it)", shown);
    }
    if (folder && !S_ISDIR(info.st_mode)) return fmt::format("{} is not a folder (remove it)", shown);
  }
  return fmt::format("cannot open {}: {}", shown, std::strerror(openErrno));
}

}  // namespace

bool isPlainFileName(std::string_view name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string_view::npos &&
         name.find('\0') == std::string_view::npos;
}

StateFolder::StateFolder(StateFolder&& other) noexcept : fd_(other.fd_), path_(std::move(other.path_)) { other.fd_ = -1; }

StateFolder& StateFolder::operator=(StateFolder&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    path_ = std::move(other.path_);
    other.fd_ = -1;
  }
  return *this;
}

StateFolder::~StateFolder() {
  if (fd_ >= 0) ::close(fd_);
}

StateFolder StateFolder::open(const std::string& base, const std::string& path, bool create, std::string& error) {
  StateFolder result;
  fs::path relative = fs::path(path).lexically_normal().lexically_relative(fs::path(base).lexically_normal());
  std::vector<std::string> parts;
  for (const fs::path& part : relative) {
    std::string name = part.string();
    if (name.empty() || name == ".") continue;
    if (!isPlainFileName(name)) {
      error = fmt::format("{} is not inside {}", path, base);
      return result;
    }
    parts.push_back(name);
  }
  if (relative.empty()) {
    error = fmt::format("{} is not inside {}", path, base);
    return result;
  }
  // The base is trusted (canonical: its symlinks are already resolved).
  int fd = ::open(base.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    error = fmt::format("cannot open {}: {}", base, std::strerror(errno));
    return result;
  }
  fs::path shown = base;
  for (const std::string& name : parts) {
    shown /= name;
    int next = ::openat(fd, name.c_str(), kFolderFlags);
    if (next < 0 && errno == ENOENT) {
      if (!create) {
        ::close(fd);
        return result;  // missing: not an error
      }
      if (::mkdirat(fd, name.c_str(), 0777) != 0 && errno != EEXIST) {
        error = fmt::format("cannot create {}: {}", shown.string(), std::strerror(errno));
        ::close(fd);
        return result;
      }
      next = ::openat(fd, name.c_str(), kFolderFlags);
    }
    if (next < 0) {
      error = whyNot(fd, name, shown.string(), true, errno);
      ::close(fd);
      return result;
    }
    ::close(fd);
    fd = next;
  }
  result.fd_ = fd;
  result.path_ = shown.string();
  return result;
}

std::string StateFolder::pathOf(const std::string& name) const { return (fs::path(path_) / name).string(); }

bool StateFolder::writeFile(const std::string& name, std::string_view content, std::string& error) const {
  if (!isPlainFileName(name)) {
    error = fmt::format("`{}` is not a file name", name);
    return false;
  }
  if (!writeFileAtomicallyAt(fd_, name, content, error)) {
    error = fmt::format("cannot write {}: {}", pathOf(name), error);
    return false;
  }
  return true;
}

int StateFolder::openFile(const std::string& name, std::string& error, bool* foreign) const {
  if (foreign != nullptr) *foreign = false;
  if (!isPlainFileName(name)) {
    error = fmt::format("`{}` is not a file name", name);
    return -1;
  }
  // O_NONBLOCK: a planted FIFO must not block the open (it is refused below).
  int fd = ::openat(fd_, name.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0666);
  if (fd < 0) {
    int openErrno = errno;
    struct stat info {};
    if (foreign != nullptr && openErrno == ELOOP && ::fstatat(fd_, name.c_str(), &info, AT_SYMLINK_NOFOLLOW) == 0) {
      *foreign = S_ISLNK(info.st_mode);
    }
    error = whyNot(fd_, name, pathOf(name), false, openErrno);
    return -1;
  }
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    error = fmt::format("cannot open {}: {}", pathOf(name), std::strerror(errno));
    ::close(fd);
    return -1;
  }
  if (!S_ISREG(info.st_mode) || info.st_nlink != 1) {
    if (foreign != nullptr) *foreign = true;
    error = S_ISREG(info.st_mode) ? fmt::format("{} has other hard links (remove it)", pathOf(name))
                                  : fmt::format("{} is not a regular file (remove it)", pathOf(name));
    ::close(fd);
    return -1;
  }
  int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0) ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  return fd;
}

bool StateFolder::openWriter(const std::string& name, AtomicFileWriter& writer, std::string& error) const {
  if (!isPlainFileName(name)) {
    error = fmt::format("`{}` is not a file name", name);
    return false;
  }
  if (!writer.openAt(fd_, false, name, error)) {
    error = fmt::format("cannot write {}: {}", pathOf(name), error);
    return false;
  }
  return true;
}

bool StateFolder::writeVolatileFile(const std::string& name, std::string_view content, std::string& error) const {
  if (!isPlainFileName(name)) {
    error = fmt::format("`{}` is not a file name", name);
    return false;
  }
  static std::atomic<std::uint64_t> counter{0};
  std::string temp = fmt::format(".{}.tmp.{}.{}", name, ::getpid(), counter++);
  int fd = ::openat(fd_, temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
  if (fd < 0) {
    error = fmt::format("cannot write {}: {}", pathOf(name), std::strerror(errno));
    return false;
  }
  std::size_t done = 0;
  while (done < content.size()) {
    ssize_t wrote = ::write(fd, content.data() + done, content.size() - done);
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote <= 0) {
      error = fmt::format("cannot write {}: {}", pathOf(name), std::strerror(errno));
      ::close(fd);
      ::unlinkat(fd_, temp.c_str(), 0);
      return false;
    }
    done += static_cast<std::size_t>(wrote);
  }
  ::close(fd);
  if (::renameat(fd_, temp.c_str(), fd_, name.c_str()) != 0) {
    error = fmt::format("cannot write {}: {}", pathOf(name), std::strerror(errno));
    ::unlinkat(fd_, temp.c_str(), 0);
    return false;
  }
  return true;
}

StateFolder::Linked StateFolder::linkFile(const std::string& existing, const std::string& newName, std::string& error) const {
  if (!isPlainFileName(existing) || !isPlainFileName(newName)) {
    error = fmt::format("`{}` is not a file name", isPlainFileName(existing) ? newName : existing);
    return Linked::Failed;
  }
  if (::linkat(fd_, existing.c_str(), fd_, newName.c_str(), 0) == 0) return Linked::Yes;
  int linkErrno = errno;
  // NFS may answer an error for a link it made (a retransmitted request): the count of the
  // file's links tells.
  struct stat info {};
  if (::fstatat(fd_, existing.c_str(), &info, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(info.st_mode) && info.st_nlink == 2) {
    struct stat other {};
    if (::fstatat(fd_, newName.c_str(), &other, AT_SYMLINK_NOFOLLOW) == 0 && other.st_ino == info.st_ino && other.st_dev == info.st_dev) {
      return Linked::Yes;
    }
  }
  if (linkErrno == EEXIST) return Linked::Exists;
  error = fmt::format("cannot link {} to {}: {}", pathOf(existing), pathOf(newName), std::strerror(linkErrno));
  return Linked::Failed;
}

bool StateFolder::readFile(const std::string& name, std::size_t maxBytes, std::string& content, std::string& error) const {
  content.clear();
  if (!isPlainFileName(name)) {
    error = fmt::format("`{}` is not a file name", name);
    return false;
  }
  int fd = ::openat(fd_, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    if (errno != ENOENT) error = fmt::format("cannot read {}: {}", pathOf(name), std::strerror(errno));
    return false;
  }
  struct stat info {};
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    error = fmt::format("{} is not a regular file", pathOf(name));
    ::close(fd);
    return false;
  }
  char buffer[4096];
  while (content.size() < maxBytes) {
    ssize_t got = ::read(fd, buffer, std::min(sizeof buffer, maxBytes - content.size()));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      error = fmt::format("cannot read {}: {}", pathOf(name), std::strerror(errno));
      ::close(fd);
      return false;
    }
    if (got == 0) break;
    content.append(buffer, static_cast<std::size_t>(got));
  }
  ::close(fd);
  return true;
}

bool StateFolder::removeFile(const std::string& name, std::string& error) const {
  if (!isPlainFileName(name)) {
    error = fmt::format("`{}` is not a file name", name);
    return false;
  }
  if (::unlinkat(fd_, name.c_str(), 0) == 0 || errno == ENOENT) return true;
  error = fmt::format("cannot remove {}: {}", pathOf(name), std::strerror(errno));
  return false;
}

StateFolder StateFolder::createFreshFolder(const std::string& prefix, std::string& error) const {
  StateFolder result;
  static constexpr char kLetters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::random_device random;
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::string name = prefix + ".";
    for (int i = 0; i < 6; ++i) name += kLetters[random() % (sizeof kLetters - 1)];
    if (!isPlainFileName(name)) {
      error = fmt::format("`{}` is not a file name", name);
      return result;
    }
    if (::mkdirat(fd_, name.c_str(), 0777) != 0) {
      if (errno == EEXIST) continue;
      error = fmt::format("cannot create {}: {}", pathOf(name), std::strerror(errno));
      return result;
    }
    int fd = ::openat(fd_, name.c_str(), kFolderFlags);
    if (fd < 0) {
      error = whyNot(fd_, name, pathOf(name), true, errno);
      return result;
    }
    result.fd_ = fd;
    result.path_ = pathOf(name);
    return result;
  }
  error = fmt::format("cannot create a new folder in {}", path_);
  return result;
}

namespace {

// Removes what is in the open folder `fd` (shown as `shown`), `depth` folders below the first.
bool removeContents(int fd, const std::string& shown, int depth, std::string& error) {
  if (depth > 256) {
    error = fmt::format("cannot remove {}: folders nested more than 256 deep", shown);
    return false;
  }
  int listing = ::openat(fd, ".", kFolderFlags);
  if (listing < 0) {
    error = fmt::format("cannot read {}: {}", shown, std::strerror(errno));
    return false;
  }
  DIR* dir = ::fdopendir(listing);
  if (dir == nullptr) {
    ::close(listing);
    error = fmt::format("cannot read {}: {}", shown, std::strerror(errno));
    return false;
  }
  std::vector<std::pair<std::string, bool>> names;  // name, is a folder (not a symlink to one)
  while (const dirent* item = ::readdir(dir)) {
    std::string name = item->d_name;
    if (name == "." || name == "..") continue;
    struct stat info {};
    bool folder = ::fstatat(fd, name.c_str(), &info, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(info.st_mode);
    names.emplace_back(std::move(name), folder);
  }
  ::closedir(dir);
  for (const auto& [name, folder] : names) {
    std::string path = shown + "/" + name;
    if (folder) {
      int inner = ::openat(fd, name.c_str(), kFolderFlags);
      if (inner < 0) {
        error = fmt::format("cannot remove {}: {}", path, std::strerror(errno));
        return false;
      }
      bool ok = removeContents(inner, path, depth + 1, error);
      ::close(inner);
      if (!ok) return false;
    }
    if (::unlinkat(fd, name.c_str(), folder ? AT_REMOVEDIR : 0) != 0 && errno != ENOENT) {
      error = fmt::format("cannot remove {}: {}", path, std::strerror(errno));
      return false;
    }
  }
  return true;
}

}  // namespace

bool StateFolder::removeTree(const std::string& name, std::string& error) const {
  if (!isPlainFileName(name)) {
    error = fmt::format("`{}` is not a file name", name);
    return false;
  }
  int fd = ::openat(fd_, name.c_str(), kFolderFlags);
  if (fd < 0) return removeFile(name, error);  // not a folder (a file, a symlink) or gone
  bool ok = removeContents(fd, pathOf(name), 1, error);
  ::close(fd);
  if (!ok) return false;
  if (::unlinkat(fd_, name.c_str(), AT_REMOVEDIR) == 0 || errno == ENOENT) return true;
  error = fmt::format("cannot remove {}: {}", pathOf(name), std::strerror(errno));
  return false;
}

bool StateFolder::moveFile(const std::string& name, const StateFolder& to, const std::string& newName, std::string& error) const {
  if (!isPlainFileName(name) || !isPlainFileName(newName)) {
    error = fmt::format("`{}` is not a file name", isPlainFileName(name) ? newName : name);
    return false;
  }
  if (::renameat(fd_, name.c_str(), to.fd_, newName.c_str()) == 0) return true;
  error = fmt::format("cannot move {} to {}: {}", pathOf(name), to.pathOf(newName), std::strerror(errno));
  return false;
}

std::vector<StateFolder::Entry> StateFolder::entries() const {
  std::vector<Entry> out;
  // A descriptor of its own: the listing's position is not shared with fd_.
  int fd = ::openat(fd_, ".", kFolderFlags);
  if (fd < 0) return out;
  DIR* dir = ::fdopendir(fd);
  if (dir == nullptr) {
    ::close(fd);
    return out;
  }
  while (const dirent* item = ::readdir(dir)) {
    std::string name = item->d_name;
    if (name == "." || name == "..") continue;
    Entry entry;
    entry.name = name;
    struct stat info {};
    if (::fstatat(fd, name.c_str(), &info, AT_SYMLINK_NOFOLLOW) == 0) {
      entry.kind = S_ISREG(info.st_mode)   ? Entry::Kind::File
                   : S_ISDIR(info.st_mode) ? Entry::Kind::Folder
                   : S_ISLNK(info.st_mode) ? Entry::Kind::Symlink
                                           : Entry::Kind::Other;
      entry.size = static_cast<std::uintmax_t>(info.st_size);
      entry.modified = static_cast<std::int64_t>(info.st_mtim.tv_sec);
    }
    out.push_back(std::move(entry));
  }
  ::closedir(dir);
  return out;
}

bool writeStateFile(const std::string& base, const std::string& path, std::string_view content, std::string& error) {
  fs::path target(path);
  StateFolder folder = StateFolder::open(base, target.parent_path().string(), true, error);
  if (!folder.ok()) return false;
  return folder.writeFile(target.filename().string(), content, error);
}

}  // namespace weir::runtime
