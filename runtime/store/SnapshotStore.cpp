#include "store/SnapshotStore.h"

#include "io/AtomicFile.h"
#include "io/MappedFile.h"
#include "io/StateFolder.h"
#include "store/SourceHashes.h"

#include <xxhash.h>
#include <zstd.h>

#include <cstring>
#include <filesystem>
#include <memory>
#include <vector>

namespace weir::runtime {

namespace fs = std::filesystem;

namespace {

constexpr char kMagic[8] = {'W', 'E', 'I', 'R', 'S', 'N', 'P', '1'};
constexpr std::size_t kHeader = sizeof kMagic + 8;
constexpr std::size_t kChecksum = 16;

void checksum(std::string_view bytes, unsigned char out[kChecksum]) {
  XXH128_canonical_t canonical;
  XXH128_canonicalFromHash(&canonical, XXH3_128bits(bytes.data(), bytes.size()));
  std::memcpy(out, canonical.digest, kChecksum);
}

// Streams the entry of `content` (header, zstd frame, checksum) into `out`, never holding it
// whole: a source of hundreds of MB is compressed with a few MB of memory. `entryBytes`: its size.
// When `content` is `mapped`'s text, its pages are given back as zstd consumes them (zstd keeps
// what it still needs in its own window), so the file is not resident whole either.
bool writeEntry(std::string_view content, AtomicFileWriter& out, std::uint64_t& entryBytes, std::string& error,
                const MappedFile* mapped = nullptr) {
  std::unique_ptr<XXH3_state_t, XXH_errorcode (*)(XXH3_state_t*)> state(XXH3_createState(), XXH3_freeState);
  std::unique_ptr<ZSTD_CCtx, std::size_t (*)(ZSTD_CCtx*)> context(ZSTD_createCCtx(), ZSTD_freeCCtx);
  if (!state || !context) {
    error = "not enough memory to compress a snapshot";
    return false;
  }
  XXH3_128bits_reset(state.get());
  entryBytes = 0;
  auto emit = [&](const char* bytes, std::size_t size, bool checked) {
    if (checked) XXH3_128bits_update(state.get(), bytes, size);
    entryBytes += size;
    return out.write(std::string_view(bytes, size), error);
  };
  char header[kHeader];
  std::memcpy(header, kMagic, sizeof kMagic);
  std::uint64_t size = content.size();
  for (int i = 0; i < 8; ++i) header[sizeof kMagic + i] = static_cast<char>((size >> (8 * i)) & 0xff);
  if (!emit(header, kHeader, true)) return false;
  // Level 1, as the cache: a run snapshots its sources every time they change; speed first. The
  // pledged size puts the content's size in the frame (checkEntry compares it). Worker threads
  // when the library has them: zstd's output is the same for any number of workers above zero.
  ZSTD_CCtx_setParameter(context.get(), ZSTD_c_compressionLevel, 1);
  ZSTD_CCtx_setPledgedSrcSize(context.get(), size);
  if (size > (std::uint64_t{8} << 20)) ZSTD_CCtx_setParameter(context.get(), ZSTD_c_nbWorkers, 2);
  std::vector<char> buffer(ZSTD_CStreamOutSize() * 4);
  ZSTD_inBuffer input{content.data(), content.size(), 0};
  std::size_t released = 0;
  while (true) {
    ZSTD_outBuffer output{buffer.data(), buffer.size(), 0};
    std::size_t left = ZSTD_compressStream2(context.get(), &output, &input, ZSTD_e_end);
    if (ZSTD_isError(left)) {
      error = std::string("cannot compress a snapshot: ") + ZSTD_getErrorName(left);
      return false;
    }
    if (output.pos != 0 && !emit(buffer.data(), output.pos, true)) return false;
    if (mapped != nullptr && input.pos >= released + MappedFile::kPassPieceBytes) {
      mapped->release(released, input.pos);
      released = input.pos / 4096 * 4096;  // the page holding the rest is given back next time
    }
    if (mapped != nullptr && left == 0) mapped->release(released, input.size);
    if (left == 0) break;
  }
  XXH128_canonical_t canonical;
  XXH128_canonicalFromHash(&canonical, XXH3_128bits_digest(state.get()));
  return emit(reinterpret_cast<const char*>(canonical.digest), kChecksum, false);
}

}  // namespace

bool SnapshotStore::isHash(std::string_view hash) {
  if (hash.size() != 32) return false;
  for (char c : hash) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string SnapshotStore::pathOf(const std::string& hash) const {
  return (fs::path(folder_) / hash.substr(0, 2) / hash).string();
}

bool SnapshotStore::has(const std::string& hash) const {
  std::error_code ec;
  return isHash(hash) && fs::is_regular_file(fs::symlink_status(pathOf(hash), ec));
}

bool SnapshotStore::checkEntry(const std::string& hash, std::string_view entry, std::string& problem, std::string* content) {
  if (!isHash(hash)) {
    problem = "`" + hash + "` is not a snapshot's name";
    return false;
  }
  if (entry.size() < kHeader + kChecksum || std::memcmp(entry.data(), kMagic, sizeof kMagic) != 0) {
    problem = "snapshot " + hash + " is truncated or not a snapshot";
    return false;
  }
  unsigned char expected[kChecksum];
  checksum(entry.substr(0, entry.size() - kChecksum), expected);
  if (std::memcmp(expected, entry.data() + entry.size() - kChecksum, kChecksum) != 0) {
    problem = "snapshot " + hash + " does not match its checksum (damaged)";
    return false;
  }
  std::uint64_t size = 0;
  for (int i = 0; i < 8; ++i) size |= static_cast<std::uint64_t>(static_cast<unsigned char>(entry[sizeof kMagic + i])) << (8 * i);
  std::string_view frame = entry.substr(kHeader, entry.size() - kHeader - kChecksum);
  if (ZSTD_getFrameContentSize(frame.data(), frame.size()) != size) {
    problem = "snapshot " + hash + " has an inconsistent size";
    return false;
  }
  std::string text;
  try {
    text.resize(size);
  } catch (const std::exception&) {
    problem = "snapshot " + hash + " is too large to read";
    return false;
  }
  std::size_t got = ZSTD_decompress(text.data(), text.size(), frame.data(), frame.size());
  if (ZSTD_isError(got) || got != size) {
    problem = "snapshot " + hash + " does not decompress";
    return false;
  }
  // The checksum finds damage; the name is checked against the content, so an entry cannot
  // stand for another content (one renamed, planted, or sent by a remote).
  if (SourceHashes::hashBytes(text) != hash) {
    problem = "snapshot " + hash + " holds content of another hash";
    return false;
  }
  if (content != nullptr) *content = std::move(text);
  return true;
}

std::optional<std::string> SnapshotStore::rawEntry(const std::string& hash, std::string& problem) const {
  if (!isHash(hash)) {
    problem = "`" + hash + "` is not a snapshot's name";
    return std::nullopt;
  }
  if (!has(hash)) {
    problem = "snapshot " + hash + " is not in " + folder_;
    return std::nullopt;
  }
  MappedFile file;
  std::string error;
  if (!file.open(pathOf(hash), error)) {
    problem = "cannot read snapshot " + hash + ": " + error;
    return std::nullopt;
  }
  return std::string(file.text());
}

std::optional<std::string> SnapshotStore::load(const std::string& hash, std::string& problem) const {
  std::optional<std::string> entry = rawEntry(hash, problem);
  if (!entry) return std::nullopt;
  std::string content;
  if (!checkEntry(hash, *entry, problem, &content)) return std::nullopt;
  return content;
}

bool SnapshotStore::write(const std::string& hash, std::string_view entry, std::string& error) const {
  StateFolder folder = StateFolder::open(base_, fs::path(pathOf(hash)).parent_path().string(), true, error);
  return folder.ok() && folder.writeFile(hash, entry, error);
}

bool SnapshotStore::installEntry(const std::string& hash, std::string_view entry, std::string& problem) const {
  if (!checkEntry(hash, entry, problem)) return false;
  return write(hash, entry, problem);
}

std::optional<SnapshotStore::Stored> SnapshotStore::storeBytes(std::string_view content, std::string& error) const {
  Stored stored;
  stored.hash = SourceHashes::hashBytes(content);
  stored.size = content.size();
  if (has(stored.hash)) return stored;
  StateFolder folder = StateFolder::open(base_, fs::path(pathOf(stored.hash)).parent_path().string(), true, error);
  AtomicFileWriter writer;
  std::uint64_t entryBytes = 0;
  if (!folder.ok() || !folder.openWriter(stored.hash, writer, error) || !writeEntry(content, writer, entryBytes, error) ||
      !writer.commit(error)) {
    return std::nullopt;
  }
  stored.added = true;
  stored.entryBytes = entryBytes;
  return stored;
}

std::optional<SnapshotStore::Stored> SnapshotStore::storeFile(const std::string& path, const std::string& expectedHash,
                                                               std::string& error) const {
  if (!expectedHash.empty() && has(expectedHash)) {
    Stored stored;
    stored.hash = expectedHash;
    std::error_code ec;
    stored.size = fs::file_size(path, ec);
    if (ec) stored.size = 0;
    return stored;
  }
  MappedFile file;
  if (!file.open(path, error)) return std::nullopt;
  // Two passes over the file (its hash, then its entry), each giving pages back as it goes: a
  // snapshot of a large source never holds the source whole.
  ContentHasher hasher;
  file.forEachPiece([&](std::string_view piece) {
    hasher.update(piece);
    return true;
  });
  Stored stored;
  stored.hash = hasher.hex();
  stored.size = file.text().size();
  if (!expectedHash.empty() && stored.hash != expectedHash) {
    error = path + " changed since the run read it";
    return std::nullopt;
  }
  if (has(stored.hash)) return stored;
  StateFolder folder = StateFolder::open(base_, fs::path(pathOf(stored.hash)).parent_path().string(), true, error);
  AtomicFileWriter writer;
  std::uint64_t entryBytes = 0;
  if (!folder.ok() || !folder.openWriter(stored.hash, writer, error) ||
      !writeEntry(file.text(), writer, entryBytes, error, &file) || !writer.commit(error)) {
    return std::nullopt;
  }
  stored.added = true;
  stored.entryBytes = entryBytes;
  return stored;
}

std::vector<std::string> SnapshotStore::hashes() const {
  std::vector<std::string> out;
  std::string error;
  StateFolder top = StateFolder::open(base_, folder_, false, error);
  if (!top.ok()) return out;
  for (const StateFolder::Entry& shard : top.entries()) {
    if (shard.kind != StateFolder::Entry::Kind::Folder || shard.name.size() != 2) continue;
    StateFolder folder = StateFolder::open(base_, top.pathOf(shard.name), false, error);
    if (!folder.ok()) continue;
    for (const StateFolder::Entry& entry : folder.entries()) {
      if (entry.kind == StateFolder::Entry::Kind::File && isHash(entry.name) && entry.name.compare(0, 2, shard.name) == 0) {
        out.push_back(entry.name);
      }
    }
  }
  return out;
}

bool SnapshotStore::remove(const std::string& hash, std::string& error) const {
  if (!isHash(hash)) {
    error = "`" + hash + "` is not a snapshot's name";
    return false;
  }
  StateFolder folder = StateFolder::open(base_, fs::path(pathOf(hash)).parent_path().string(), false, error);
  return !folder.ok() || folder.removeFile(hash, error);
}

}  // namespace weir::runtime
