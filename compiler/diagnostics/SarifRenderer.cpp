#include "diagnostics/SarifRenderer.h"
#include "support/JsonText.h"

#include "diagnostics/DiagnosticHelp.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <xxhash.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <string_view>

namespace weir::diag {

namespace {

using Json = nlohmann::ordered_json;

constexpr const char* kRootBaseId = "%SRCROOT%";
constexpr const char* kStdinPath = "<stdin>";

// RFC 3986: unreserved characters and `/` stay, every other byte is %XX.
std::string percentEncode(std::string_view path) {
  std::string encoded;
  for (unsigned char c : path) {
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                      c == '.' || c == '_' || c == '~' || c == '/';
    if (unreserved) {
      encoded += static_cast<char>(c);
    } else {
      encoded += fmt::format("%{:02X}", c);
    }
  }
  return encoded;
}

std::string folderUri(const std::string& folder) {
  std::string uri = "file://" + percentEncode(folder);
  if (uri.back() != '/') uri += '/';
  return uri;
}

Json artifactLocation(const SarifArtifact& artifact) {
  Json location = {{"uri", artifact.uri}};
  if (artifact.underRoot) location["uriBaseId"] = kRootBaseId;
  return location;
}

Json region(const source::SourceRange& range) {
  Json json = Json::object();
  if (!range.begin.valid()) return json;
  json["startLine"] = range.begin.line;
  json["startColumn"] = range.begin.column;
  if (range.end.valid()) {
    json["endLine"] = range.end.line;
    json["endColumn"] = range.end.column;
  }
  return json;
}

Json physicalLocation(const source::SourceManager& sources, const source::SourceRange& range,
                      const SarifOptions& options) {
  const source::SourceFile* file = sources.file(range.file);
  Json physical = {{"artifactLocation", artifactLocation(sarifArtifact(file ? file->path() : "", options))}};
  Json where = region(range);
  if (!where.empty()) physical["region"] = std::move(where);
  return {{"physicalLocation", std::move(physical)}};
}

// The rule's format with its blanks shown as `…`.
std::string shortDescription(Kind kind) {
  std::string description = kindInfo(kind).format;
  for (std::size_t at = description.find("{}"); at != std::string::npos; at = description.find("{}", at)) {
    description.replace(at, 2, "…");
  }
  return description;
}

// Stable across runs while the finding stays: the code, the file, the text of the line it is
// on (not its number, so that edits above do not move it) and which such finding it is.
std::string fingerprint(const Diagnostic& diagnostic, const source::SourceManager& sources, const std::string& uri,
                        std::map<std::string, int>& seen) {
  std::string lineText;
  if (const source::SourceFile* file = sources.file(diagnostic.range.file); file && diagnostic.range.begin.valid()) {
    std::string_view line = file->line(diagnostic.range.begin.line);
    std::size_t first = line.find_first_not_of(" \t");
    std::size_t last = line.find_last_not_of(" \t\r");
    if (first != std::string_view::npos) lineText = std::string(line.substr(first, last - first + 1));
  }
  std::string key = diagnostic.code + '\0' + uri + '\0' + lineText;
  int occurrence = seen[key]++;
  key += '\0' + std::to_string(occurrence);
  return fmt::format("{:016x}", XXH3_64bits(key.data(), key.size()));
}

}  // namespace

SarifArtifact sarifArtifact(const std::string& path, const SarifOptions& options) {
  if (path == kStdinPath || path == "-") return {"stdin", false};
  namespace fs = std::filesystem;
  fs::path absolute = fs::path(path);
  if (absolute.is_relative()) absolute = fs::path(options.workingFolder) / absolute;
  absolute = absolute.lexically_normal();
  if (!options.rootFolder.empty()) {
    fs::path relative = absolute.lexically_relative(fs::path(options.rootFolder).lexically_normal());
    if (!relative.empty() && *relative.begin() != ".." && relative.is_relative()) {
      return {percentEncode(relative.generic_string()), true};
    }
  }
  return {"file://" + percentEncode(absolute.generic_string()), false};
}

void renderSarif(const std::vector<Diagnostic>& diagnostics, const source::SourceManager& sources,
                 const SarifOptions& options, std::ostream& out) {
  Json rules = Json::array();
  std::map<std::string, std::size_t> ruleIndex;
  Json results = Json::array();
  std::map<std::string, int> seen;
  for (const Diagnostic& diagnostic : diagnostics) {
    auto [rule, added] = ruleIndex.try_emplace(diagnostic.code, rules.size());
    if (added) {
      const KindInfo& info = kindInfo(diagnostic.kind);
      const KindHelp& help = kindHelp(diagnostic.kind);
      rules.push_back({{"id", diagnostic.code},
                       {"name", info.name},
                       {"shortDescription", {{"text", shortDescription(diagnostic.kind)}}},
                       {"fullDescription", {{"text", help.description}}},
                       {"help", {{"text", help.help}, {"markdown", help.help}}},
                       {"defaultConfiguration", {{"level", severityName(info.severity)}}},
                       {"properties", {{"tags", Json::array({"weir", help.category})}}}});
    }
    std::string message = diagnostic.message;
    for (const std::string& note : diagnostic.notes) message += "\nnote: " + note;
    if (!diagnostic.help.empty()) message += "\nhelp: " + diagnostic.help;
    const source::SourceFile* file = sources.file(diagnostic.range.file);
    std::string uri = sarifArtifact(file ? file->path() : "", options).uri;
    Json result = {{"ruleId", diagnostic.code},
                   {"ruleIndex", rule->second},
                   {"level", severityName(diagnostic.severity)},
                   {"message", {{"text", message}}},
                   {"locations", Json::array({physicalLocation(sources, diagnostic.range, options)})},
                   {"partialFingerprints", {{"weirFingerprint/v1", fingerprint(diagnostic, sources, uri, seen)}}}};
    if (!diagnostic.labels.empty()) {
      Json related = Json::array();
      int id = 0;
      for (const Label& label : diagnostic.labels) {
        Json location = physicalLocation(sources, label.range, options);
        location["id"] = id++;
        location["message"] = {{"text", label.message}};
        related.push_back(std::move(location));
      }
      result["relatedLocations"] = std::move(related);
    }
    results.push_back(std::move(result));
  }

  Json invocation = {{"executionSuccessful", options.executionErrors.empty()}};
  if (!options.executionErrors.empty()) {
    Json notifications = Json::array();
    for (const std::string& error : options.executionErrors) {
      notifications.push_back({{"level", "error"}, {"message", {{"text", error}}}});
    }
    invocation["toolExecutionNotifications"] = std::move(notifications);
  }
  Json run = {{"tool", {{"driver", {{"name", "weir"},
                                    {"version", options.toolVersion},
                                    {"rules", std::move(rules)}}}}},
              {"invocations", Json::array({std::move(invocation)})}};
  if (!options.rootFolder.empty()) run["originalUriBaseIds"] = {{kRootBaseId, {{"uri", folderUri(options.rootFolder)}}}};
  run["columnKind"] = "unicodeCodePoints";
  run["results"] = std::move(results);
  Json document = {{"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
                   {"version", "2.1.0"},
                   {"runs", Json::array({std::move(run)})}};
  out << support::jsonText(document, 2) << '\n';
}

}  // namespace weir::diag
