#include "engine/Snapshots.h"

#include "models/TrainedModel.h"
#include "store/ResultCache.h"
#include "store/SnapshotStore.h"
#include "store/SourceHashes.h"
#include "support/ProjectPath.h"

#include <fmt/format.h>

#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace weir::engine {

namespace fs = std::filesystem;

namespace {

// A small text file's content (HEAD, a ref), without its trailing line break; nullopt when it
// cannot be read or is not small.
std::optional<std::string> readSmall(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec) || fs::file_size(path, ec) > 65536) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  std::string s = text.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

bool isCommitHash(const std::string& text) {
  if (text.size() != 40 && text.size() != 64) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// A ref's name must stay below `refs/` (HEAD is data: `ref: ../../x` reads nothing).
bool isRefName(const std::string& ref) {
  if (ref.rfind("refs/", 0) != 0) return false;
  for (const auto& part : fs::path(ref)) {
    if (part == ".." || part == ".") return false;
  }
  return ref.find('\0') == std::string::npos;
}

}  // namespace

std::optional<runtime::RunCommit> gitCommit(const std::string& root) {
  fs::path dotGit = fs::path(root) / ".git";
  std::error_code ec;
  fs::path gitDir = dotGit;
  if (fs::is_regular_file(dotGit, ec)) {
    // A worktree or a submodule: `gitdir: PATH`.
    std::optional<std::string> text = readSmall(dotGit);
    if (!text || text->rfind("gitdir: ", 0) != 0) return std::nullopt;
    gitDir = fs::path(text->substr(8));
    if (gitDir.is_relative()) gitDir = fs::path(root) / gitDir;
  } else if (!fs::is_directory(dotGit, ec)) {
    return std::nullopt;
  }
  std::optional<std::string> head = readSmall(gitDir / "HEAD");
  if (!head) return std::nullopt;
  if (isCommitHash(*head)) return runtime::RunCommit{*head, ""};
  if (head->rfind("ref: ", 0) != 0) return std::nullopt;
  std::string ref = head->substr(5);
  if (!isRefName(ref)) return std::nullopt;
  // A worktree's refs are in the common folder.
  fs::path common = gitDir;
  if (std::optional<std::string> commonDir = readSmall(gitDir / "commondir")) {
    common = fs::path(*commonDir).is_relative() ? gitDir / *commonDir : fs::path(*commonDir);
  }
  for (const fs::path& folder : {gitDir, common}) {
    if (std::optional<std::string> hash = readSmall(folder / ref); hash && isCommitHash(*hash)) return runtime::RunCommit{*hash, ref};
  }
  std::ifstream packed(common / "packed-refs");
  std::string line;
  while (std::getline(packed, line)) {
    if (line.size() > 41 && line[40] == ' ' && line.substr(41) == ref && isCommitHash(line.substr(0, 40))) {
      return runtime::RunCommit{line.substr(0, 40), ref};
    }
  }
  return std::nullopt;
}

std::uint64_t snapshotLimit(std::string& warning) {
  const char* text = std::getenv("WEIR_SNAPSHOT_MAX_BYTES");
  if (text == nullptr || *text == '\0') return kDefaultSnapshotLimit;
  std::uint64_t value = 0;
  std::string_view view(text);
  auto [end, ec] = std::from_chars(view.data(), view.data() + view.size(), value);
  if (ec != std::errc() || end != view.data() + view.size()) {
    warning = fmt::format("WEIR_SNAPSHOT_MAX_BYTES is `{}`, not a number of bytes: files up to {} bytes are kept", text,
                          kDefaultSnapshotLimit);
    return kDefaultSnapshotLimit;
  }
  return value;
}

std::vector<SnapshotRequest> snapshotRequests(const plan::Plan& plan, const runtime::RunReport& report,
                                              std::vector<SnapshotRequest> programFiles, const Project& project,
                                              const runtime::ResultCache* cache) {
  std::vector<SnapshotRequest> out;
  for (SnapshotRequest& request : programFiles) {
    if (!support::isInsideFolder(request.path, project.root())) continue;  // the standard library is weir's
    if (request.content && request.hash.empty()) request.hash = runtime::SourceHashes::hashBytes(*request.content);
    out.push_back(std::move(request));
  }
  for (const runtime::NodeRun& run : report.nodes) {
    if (run.id >= plan.size()) continue;
    const plan::Node& node = plan.node(run.id);
    bool finished = run.status == runtime::NodeStatus::Done || run.status == runtime::NodeStatus::Cached;
    switch (node.kind) {
      case plan::NodeKind::Scan: {
        if (run.file.empty()) break;
        SnapshotRequest request{"source", run.file, run.fileHash, std::nullopt, true, {}};
        if (node.io && !node.io->snapshot) {
          request.keep = false;
          request.note = fmt::format("`{}` says `snapshot = false`", node.io->declaration);
        }
        out.push_back(std::move(request));
        break;
      }
      case plan::NodeKind::Step:
        if (!finished) break;
        for (const auto& [path, hash] : run.commandFiles) out.push_back({"step", path, hash, std::nullopt, true, {}});
        break;
      case plan::NodeKind::Sink:
        if (finished && !run.file.empty() && !run.fileHash.empty()) out.push_back({"output", run.file, run.fileHash, std::nullopt, true, {}});
        break;
      case plan::NodeKind::Train: {
        if (!finished) break;
        std::string bytes, problem;
        if (run.model) {
          bytes = runtime::encodeModel(*run.model);
        } else if (cache != nullptr && !run.key.empty()) {
          std::optional<std::string> payload = cache->load(run.key, problem);
          if (!payload) break;
          bytes = std::move(*payload);
        } else {
          break;
        }
        SnapshotRequest request{"model", node.declaration, runtime::SourceHashes::hashBytes(bytes), std::nullopt, false, {}};
        request.note = "a model is kept in the cache and the registry";
        out.push_back(std::move(request));
        break;
      }
      default:
        break;
    }
  }
  return out;
}

std::vector<runtime::RunSnapshot> takeSnapshots(const Project& project, const std::vector<SnapshotRequest>& requests, bool addNew,
                                                std::vector<std::string>& warnings) {
  std::string limitWarning;
  std::uint64_t limit = snapshotLimit(limitWarning);
  if (!limitWarning.empty()) warnings.push_back(limitWarning);
  runtime::SnapshotStore store(project.root(), project.snapshotsFolder());
  std::vector<runtime::RunSnapshot> out;
  std::set<std::pair<std::string, std::string>> seen;
  for (const SnapshotRequest& request : requests) {
    runtime::RunSnapshot snapshot;
    snapshot.role = request.role;
    snapshot.path = request.role == "model" ? request.path : fs::path(request.path).lexically_normal().string();
    if (!seen.insert({snapshot.role, snapshot.path}).second) continue;
    snapshot.hash = request.hash;
    snapshot.note = request.note;
    std::error_code ec;
    if (request.content) snapshot.size = request.content->size();
    else if (request.role != "model") snapshot.size = fs::file_size(request.path, ec);
    if (ec) snapshot.size = 0;
    bool inside = request.role == "model" || support::isInsideFolder(snapshot.path, project.root());
    if (request.role == "model" || !request.keep) {
      // by hash only, as the request says
    } else if (!inside) {
      snapshot.note = "outside the project";
    } else if (!request.hash.empty() && store.has(request.hash)) {
      snapshot.stored = true;
    } else if (!addNew) {
      snapshot.note = "not kept by the run it was answered from";
    } else if (snapshot.size > limit) {
      snapshot.note = fmt::format("{} bytes, more than WEIR_SNAPSHOT_MAX_BYTES ({})", snapshot.size, limit);
    } else {
      std::string error;
      std::optional<runtime::SnapshotStore::Stored> stored =
          request.content ? store.storeBytes(*request.content, error) : store.storeFile(request.path, request.hash, error);
      if (stored) {
        snapshot.stored = true;
        snapshot.hash = stored->hash;
        snapshot.size = stored->size;
      } else {
        snapshot.note = error;
        warnings.push_back(fmt::format("{} is not kept in {}: {}", project.shown(request.path), project.shown(project.snapshotsFolder()), error));
      }
    }
    if (snapshot.hash.empty() && request.role != "model") {
      // A run without the cache did not hash what it read: the file as it is now.
      snapshot.hash = runtime::SourceHashes::hashFile(request.path).value_or("");
    }
    out.push_back(std::move(snapshot));
  }
  return out;
}

}  // namespace weir::engine
