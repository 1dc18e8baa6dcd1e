#include "store/SourceHashes.h"
#include "support/JsonText.h"

#include "io/MappedFile.h"
#include "io/StateFolder.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace weir::runtime {

SourceHashes::SourceHashes(std::string base, std::string memoPath) : base_(std::move(base)), memoPath_(std::move(memoPath)) {
  std::ifstream in(memoPath_);
  if (!in) return;
  std::stringstream text;
  text << in.rdbuf();
  // A damaged memo is only a lost optimization: start afresh.
  nlohmann::json memo = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (!memo.is_object() || !memo.contains("files") || !memo["files"].is_object()) return;
  for (const auto& [path, value] : memo["files"].items()) {
    // An entry with a field of another type is left out (the file is hashed again).
    auto number = [&](const char* field) { return value.contains(field) && value[field].is_number_integer(); };
    if (!value.is_object() || !value.contains("hash") || !value["hash"].is_string() || !number("size") || !number("mtime") ||
        !number("inode")) {
      continue;
    }
    Entry entry;
    entry.size = value["size"].get<std::uint64_t>();
    entry.mtime = value["mtime"].get<std::int64_t>();
    entry.inode = value["inode"].get<std::uint64_t>();
    entry.hash = value["hash"].get<std::string>();
    entries_[path] = entry;
  }
}

struct ContentHasher::State {
  XXH3_state_t* xxh = XXH3_createState();
  ~State() { XXH3_freeState(xxh); }
};

ContentHasher::ContentHasher() : state_(std::make_unique<State>()) { XXH3_128bits_reset(state_->xxh); }

ContentHasher::~ContentHasher() = default;

void ContentHasher::update(std::string_view piece) { XXH3_128bits_update(state_->xxh, piece.data(), piece.size()); }

std::string ContentHasher::hex() const {
  XXH128_hash_t hash = XXH3_128bits_digest(state_->xxh);
  return fmt::format("{:016x}{:016x}", hash.high64, hash.low64);
}

std::string SourceHashes::hashBytes(std::string_view bytes) {
  XXH128_hash_t hash = XXH3_128bits(bytes.data(), bytes.size());
  return fmt::format("{:016x}{:016x}", hash.high64, hash.low64);
}

std::optional<std::string> SourceHashes::hashFile(const std::string& path) {
  // Read through a buffer, not a mapping: a mapping's pages count in the process's memory, and
  // the kernel's read-ahead of a sequential mapping kept tens of MB of a large file mapped while
  // it was hashed (the peak of a streamed run over a 476 MB file, which hashes it first).
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  struct stat info {};
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    ::close(fd);
    return std::nullopt;
  }
  ContentHasher hasher;
  std::vector<char> buffer(std::size_t(1) << 20);
  while (true) {
    ssize_t got = ::read(fd, buffer.data(), buffer.size());
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      ::close(fd);
      return std::nullopt;
    }
    if (got == 0) break;
    hasher.update(std::string_view(buffer.data(), static_cast<std::size_t>(got)));
  }
  ::close(fd);
  return hasher.hex();
}

bool SourceHashes::stat(const std::string& path, Entry& entry) const {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) return false;
  entry.size = static_cast<std::uint64_t>(info.st_size);
  entry.mtime = static_cast<std::int64_t>(info.st_mtim.tv_sec) * 1000000000 + info.st_mtim.tv_nsec;
  entry.inode = static_cast<std::uint64_t>(info.st_ino);
  return true;
}

std::optional<std::string> SourceHashes::hashOf(const std::string& path) {
  Entry now;
  if (!stat(path, now)) return std::nullopt;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = entries_.find(path);
    if (it != entries_.end() && it->second.size == now.size && it->second.mtime == now.mtime && it->second.inode == now.inode) {
      return it->second.hash;
    }
  }
  std::optional<std::string> hash = hashFile(path);
  if (!hash) return std::nullopt;
  now.hash = std::move(*hash);
  std::lock_guard<std::mutex> lock(mutex_);
  entries_[path] = now;
  changed_ = true;
  return now.hash;
}

void SourceHashes::remember(const std::string& path, const std::string& hash) {
  Entry now;
  if (!stat(path, now)) return;
  now.hash = hash;
  std::lock_guard<std::mutex> lock(mutex_);
  entries_[path] = now;
  changed_ = true;
}

void SourceHashes::save() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!changed_) return;
  nlohmann::ordered_json memo;
  memo["version"] = 1;
  memo["files"] = nlohmann::ordered_json::object();
  for (const auto& [path, entry] : entries_) {
    memo["files"][path] = {{"size", entry.size}, {"mtime", entry.mtime}, {"inode", entry.inode}, {"hash", entry.hash}};
  }
  std::string error;
  // Into the memo's folder when it exists (a command that only looks creates no `.weir`).
  std::filesystem::path path(memoPath_);
  StateFolder folder = StateFolder::open(base_, path.parent_path().string(), false, error);
  if (folder.ok() && folder.writeFile(path.filename().string(), support::jsonText(memo, 1) + "\n", error)) changed_ = false;
}

}  // namespace weir::runtime
