#include "store/ResultCache.h"

#include "io/MappedFile.h"
#include "io/StateFolder.h"
#include "store/SourceHashes.h"

#include <xxhash.h>
#include <zstd.h>

#include <cerrno>
#include <cstdlib>
#include <random>
#include <cstring>
#include <memory>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <fmt/format.h>
#include <filesystem>

namespace weir::runtime {

namespace fs = std::filesystem;

namespace {

constexpr char kMagic[8] = {'W', 'E', 'I', 'R', 'C', 'A', 'C', '1'};
constexpr std::size_t kHeader = sizeof kMagic + sizeof(std::uint64_t);
constexpr std::size_t kChecksum = 16;

void checksum(std::string_view bytes, unsigned char out[kChecksum]) {
  XXH128_hash_t hash = XXH3_128bits(bytes.data(), bytes.size());
  XXH128_canonical_t canonical;
  XXH128_canonicalFromHash(&canonical, hash);
  std::memcpy(out, canonical.digest, kChecksum);
}

}  // namespace

ResultCache::KeyLock::~KeyLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the flock
}

std::optional<ResultCache::LockKind> ResultCache::lockKind() {
  const char* text = std::getenv("WEIR_LOCKS");
  if (text == nullptr || *text == '\0' || std::string_view(text) == "flock") return LockKind::Flock;
  if (std::string_view(text) == "lease") return LockKind::Lease;
  return std::nullopt;
}

ResultCache::KeyLock ResultCache::lock(const std::string& key) const {
  KeyLock held;
  std::string locksPath = (fs::path(folder_).parent_path() / "locks").string();
  if (lockKind() == LockKind::Lease) {
    bool contended = false;
    LeaseLock lease = LeaseLock::acquire(base_, locksPath, key, kLease, contended);
    held.contended = contended;
    if (lease.held()) held.lease_.emplace(std::move(lease));
    return held;
  }
  std::string error;
  StateFolder locks = StateFolder::open(base_, locksPath, true, error);
  if (!locks.ok()) return held;  // no lock to be had: compute anyway, the cache stays correct
  bool foreign = false;
  held.fd_ = locks.openFile(key, error, &foreign);
  // Something planted in its place (a symlink, a hard link): replaced by a lock file of our own.
  if (held.fd_ < 0 && foreign && locks.removeFile(key, error)) held.fd_ = locks.openFile(key, error);
  if (held.fd_ < 0) return held;
  if (::flock(held.fd_, LOCK_EX | LOCK_NB) != 0) {
    held.contended = true;
    while (::flock(held.fd_, LOCK_EX) != 0 && errno == EINTR) {
    }
  }
  // The owner token (random, one per process) and the host, for people looking at a lock that
  // seems stuck; the lock itself is the flock.
  std::string token = leaseToken() + " " + hostName() + "\n";
  if (::ftruncate(held.fd_, 0) == 0) {
    [[maybe_unused]] auto written = ::pwrite(held.fd_, token.data(), token.size(), 0);
  }
  return held;
}

std::string ResultCache::contentRecordKey(const std::string& key) { return SourceHashes::hashBytes("content of " + key); }

std::string ResultCache::pathOf(const std::string& key) const {
  return (fs::path(folder_) / key.substr(0, 2) / key).string();
}

namespace {

// Maps an entry and checks its magic and checksum; false (with `problem` set when the entry
// exists) otherwise.
bool openVerified(const std::string& path, MappedFile& file, std::string& problem) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return false;
  std::string error;
  if (!file.open(path, error)) {
    problem = "cannot read " + path + ": " + error;
    return false;
  }
  std::string_view bytes = file.text();
  if (bytes.size() < kHeader + kChecksum || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0) {
    problem = "cache entry " + path + " is truncated or not a cache entry";
    return false;
  }
  unsigned char expected[kChecksum];
  checksum(bytes.substr(0, bytes.size() - kChecksum), expected);
  if (std::memcmp(expected, bytes.data() + bytes.size() - kChecksum, kChecksum) != 0) {
    problem = "cache entry " + path + " does not match its checksum (damaged)";
    return false;
  }
  return true;
}

}  // namespace

bool ResultCache::verify(const std::string& key, std::string& problem) const {
  MappedFile file;
  return openVerified(pathOf(key), file, problem);
}

std::optional<std::string> ResultCache::load(const std::string& key, std::string& problem) const {
  std::string path = pathOf(key);
  MappedFile file;
  if (!openVerified(path, file, problem)) return std::nullopt;
  std::string_view bytes = file.text();
  std::uint64_t size = 0;
  std::memcpy(&size, bytes.data() + sizeof kMagic, sizeof size);
  std::string_view frame = bytes.substr(kHeader, bytes.size() - kHeader - kChecksum);
  unsigned long long declared = ZSTD_getFrameContentSize(frame.data(), frame.size());
  if (declared != size) {
    problem = "cache entry " + path + " has an inconsistent size";
    return std::nullopt;
  }
  std::string payload(size, '\0');
  // One decompression context per thread: making one per entry costs more than small entries.
  thread_local std::unique_ptr<ZSTD_DCtx, std::size_t (*)(ZSTD_DCtx*)> context(ZSTD_createDCtx(), ZSTD_freeDCtx);
  std::size_t got = ZSTD_decompressDCtx(context.get(), payload.data(), payload.size(), frame.data(), frame.size());
  if (ZSTD_isError(got) || got != size) {
    problem = "cache entry " + path + " does not decompress";
    return std::nullopt;
  }
  return payload;
}

bool ResultCache::store(const std::string& key, std::string_view payload, std::string& error) const {
  std::string path = pathOf(key);
  StateFolder folder = StateFolder::open(base_, fs::path(path).parent_path().string(), true, error);
  if (!folder.ok()) return false;
  std::string entry(kMagic, sizeof kMagic);
  std::uint64_t size = payload.size();
  entry.append(reinterpret_cast<const char*>(&size), sizeof size);
  std::size_t bound = ZSTD_compressBound(payload.size());
  std::size_t at = entry.size();
  entry.resize(at + bound);
  // Level 1: the cache is written on every run; speed matters more than the last few percent.
  thread_local std::unique_ptr<ZSTD_CCtx, std::size_t (*)(ZSTD_CCtx*)> context(ZSTD_createCCtx(), ZSTD_freeCCtx);
  std::size_t written = ZSTD_compressCCtx(context.get(), entry.data() + at, bound, payload.data(), payload.size(), 1);
  if (ZSTD_isError(written)) {
    error = std::string("cannot compress a cache entry: ") + ZSTD_getErrorName(written);
    return false;
  }
  entry.resize(at + written);
  unsigned char sum[kChecksum];
  checksum(entry, sum);
  entry.append(reinterpret_cast<const char*>(sum), kChecksum);
  return folder.writeFile(fs::path(path).filename().string(), entry, error);
}

bool ResultCache::checkEntry(std::string_view bytes, std::string& problem) {
  if (bytes.size() < kHeader + kChecksum || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0) {
    problem = "it is truncated or not a cache entry";
    return false;
  }
  unsigned char expected[kChecksum];
  checksum(bytes.substr(0, bytes.size() - kChecksum), expected);
  if (std::memcmp(expected, bytes.data() + bytes.size() - kChecksum, kChecksum) != 0) {
    problem = "it does not match its checksum (damaged)";
    return false;
  }
  std::uint64_t size = 0;
  std::memcpy(&size, bytes.data() + sizeof kMagic, sizeof size);
  std::string_view frame = bytes.substr(kHeader, bytes.size() - kHeader - kChecksum);
  if (ZSTD_getFrameContentSize(frame.data(), frame.size()) != size) {
    problem = "it has an inconsistent size";
    return false;
  }
  return true;
}

namespace {

bool isKey(const std::string& key) {
  if (key.size() != 32) return false;
  for (char c : key) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

std::optional<std::string> ResultCache::rawEntry(const std::string& key, std::string& problem) const {
  MappedFile file;
  if (!isKey(key)) {
    problem = "`" + key + "` is not a cache key";
    return std::nullopt;
  }
  if (!openVerified(pathOf(key), file, problem)) {
    if (problem.empty()) problem = "there is no cache entry " + key;
    return std::nullopt;
  }
  return std::string(file.text());
}

bool ResultCache::installEntry(const std::string& key, std::string_view entry, std::string& problem) const {
  if (!isKey(key)) {
    problem = "`" + key + "` is not a cache key";
    return false;
  }
  if (!checkEntry(entry, problem)) return false;
  StateFolder folder = StateFolder::open(base_, fs::path(pathOf(key)).parent_path().string(), true, problem);
  return folder.ok() && folder.writeFile(key, entry, problem);
}

}  // namespace weir::runtime
