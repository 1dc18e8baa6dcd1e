#include "lsp/Server.h"

#include "lsp/SemanticTokens.h"

#include "ast/Ast.h"
#include "engine/Project.h"
#include "support/JsonText.h"
#include "support/ProjectPath.h"

#include <fmt/format.h>

#include <filesystem>
#include <functional>
#include <utility>

namespace weir::lsp {

struct Server::Analysis {
  std::shared_ptr<const engine::Compilation> compilation;
  std::int64_t version = 0;
  bool syntaxOk = true;
  std::optional<sema::PositionIndex> index;

  const source::SourceFile* root() const {
    return compilation->sources.files().empty() ? nullptr : compilation->sources.files().front().get();
  }
  // Built on the first request that needs it, not on every keystroke.
  const sema::PositionIndex& indexed() {
    if (!index) {
      if (compilation->checked) {
        const engine::CheckedProgram& checked = *compilation->checked;
        index = sema::buildPositionIndex(checked.program, checked.names, checked.types);
      } else {
        index.emplace();
      }
    }
    return *index;
  }
};

struct Server::Document {
  std::string uri;
  std::string path;       // as the URI names it
  std::string canonical;  // as the engine names it
  std::string text;
  std::int64_t version = 0;
  std::shared_ptr<Analysis> analysis;  // the latest compilation (older than `text` while pending)
  std::shared_ptr<Analysis> lastGood;  // the latest without syntax errors in the document
};

Server::Server(engine::Workspace& workspace, Send send) : workspace_(workspace), send_(std::move(send)) {}

Server::~Server() = default;

bool Server::changesDocuments(const json& message) {
  if (!message.is_object()) return false;
  auto method = message.find("method");
  if (method == message.end() || !method->is_string()) return false;
  const std::string& name = method->get_ref<const std::string&>();
  return name == "textDocument/didChange" || name == "textDocument/didOpen" || name == "textDocument/didClose" ||
         name == "exit";
}

void Server::handleBadFrame(const Frame& frame) {
  switch (frame.kind) {
    case Frame::Kind::Message:
      handle(frame.message);
      return;
    case Frame::Kind::BadJson:
      send_(makeError(nullptr, error::kParseError, "parse error: " + frame.problem));
      return;
    case Frame::Kind::TooLarge:
      send_(makeError(nullptr, error::kInvalidRequest, "invalid request: " + frame.problem));
      return;
    case Frame::Kind::BadHeader:
      // Nothing was read that could be answered: the bytes are dropped.
      return;
  }
}

void Server::handle(const json& message) {
  if (!message.is_object()) {
    send_(makeError(nullptr, error::kInvalidRequest, "invalid request: a message is a JSON object"));
    return;
  }
  json id = message.contains("id") ? message["id"] : json();
  bool hasId = message.contains("id");
  if (hasId && !(id.is_string() || id.is_number_integer() || id.is_null())) {
    send_(makeError(nullptr, error::kInvalidRequest, "invalid request: `id` is a number or a string"));
    return;
  }
  auto methodIt = message.find("method");
  if (methodIt == message.end()) {
    // A response to a request of ours (we send none that wait), or nonsense: nothing to answer
    // unless it carries neither a result nor an error.
    if (!message.contains("result") && !message.contains("error")) {
      send_(makeError(id, error::kInvalidRequest, "invalid request: no `method`"));
    }
    return;
  }
  if (!methodIt->is_string() || message.value("jsonrpc", json()) != "2.0") {
    if (hasId || !methodIt->is_string()) {
      send_(makeError(id, error::kInvalidRequest, "invalid request: not a JSON-RPC 2.0 request"));
    }
    return;
  }
  const std::string& method = methodIt->get_ref<const std::string&>();
  json params = message.contains("params") ? message["params"] : json::object();
  // Clients send `"params": null` where JSON-RPC lets them omit it; a method that reads
  // nothing takes that as omitted, one that needs params is told what it got.
  bool takesNoParams = method == "shutdown" || method == "exit" || method == "initialized";
  if (params.is_null() && takesNoParams) params = json::object();
  if (!params.is_object() && !params.is_array()) {
    if (hasId) {
      send_(makeError(id, error::kInvalidParams,
                      params.is_null() ? "invalid params: `params` is null"
                                       : "invalid params: `params` is not an object"));
    }
    return;
  }
  if (!hasId) {
    // Notifications are never answered, even when they fail.
    try {
      dispatch(method, params, false);
    } catch (const std::exception&) {
    }
    return;
  }
  if (!initialized_ && method != "initialize") {
    send_(makeError(id, error::kServerNotInitialized, "the server is not initialized"));
    return;
  }
  if (shutdown_) {
    send_(makeError(id, error::kInvalidRequest, "invalid request: the server is shut down"));
    return;
  }
  try {
    json result = dispatch(method, params, true);
    if (result.is_object() && result.contains("__error")) {
      send_(makeError(id, result["__error"].get<int>(), result["message"].get<std::string>()));
    } else {
      send_(makeResponse(id, std::move(result)));
    }
  } catch (const json::exception& e) {
    send_(makeError(id, error::kInvalidParams, std::string("invalid params: ") + e.what()));
  } catch (const std::exception& e) {
    send_(makeError(id, error::kInternalError, std::string("internal error: ") + e.what()));
  }
}

namespace {

json failure(int code, const std::string& message) { return json{{"__error", code}, {"message", message}}; }

std::optional<Position> positionParam(const json& params) {
  return params.contains("position") ? parsePosition(params["position"]) : std::nullopt;
}

}  // namespace

json Server::dispatch(const std::string& method, const json& params, bool isRequest) {
  if (method == "initialize") {
    if (initialized_) return failure(error::kInvalidRequest, "invalid request: initialize was sent twice");
    initialized_ = true;
    return initialize(params);
  }
  if (method == "exit") {
    exited_ = true;
    return nullptr;
  }
  if (!initialized_) return nullptr;  // notifications before initialize are dropped
  if (method == "shutdown") {
    shutdown_ = true;
    return nullptr;
  }
  if (method == "initialized" || method.rfind("$/", 0) == 0) return nullptr;
  if (method == "textDocument/didOpen") {
    didOpen(params);
    return nullptr;
  }
  if (method == "textDocument/didChange") {
    didChange(params);
    return nullptr;
  }
  if (method == "textDocument/didClose") {
    didClose(params);
    return nullptr;
  }
  if (method == "textDocument/didSave" || method == "workspace/didChangeWatchedFiles") {
    // Files on disk may have changed under documents that import them.
    for (auto& [uri, document] : documents_) pending_.insert(uri);
    return nullptr;
  }
  if (!isRequest) return nullptr;

  if (method == "textDocument/formatting") {
    Document* doc = document(params);
    if (doc == nullptr) return nullptr;
    return formatting(doc->path, doc->text);
  }
  if (method == "textDocument/references") {
    bool includeDeclaration = params.contains("context") && params["context"].value("includeDeclaration", false);
    return references(params, includeDeclaration);
  }
  if (method == "textDocument/rename") return rename(params);
  if (method == "textDocument/prepareRename") return prepareRename(params);

  bool known = method == "textDocument/hover" || method == "textDocument/definition" || method == "textDocument/documentSymbol" ||
               method == "textDocument/completion" || method == "textDocument/codeAction" ||
               method == "textDocument/semanticTokens/full" || method == "textDocument/semanticTokens/range";
  if (!known) return failure(error::kMethodNotFound, fmt::format("method not found: `{}`", method));

  Document* doc = document(params);
  if (doc == nullptr) return method == "textDocument/documentSymbol" || method == "textDocument/codeAction" ? json::array() : json();
  std::shared_ptr<Analysis> analysis = analysisOf(*doc);
  if (analysis == nullptr || analysis->root() == nullptr) return nullptr;
  View fallback;
  bool useFallback = doc->lastGood && doc->lastGood != analysis && doc->lastGood->root() != nullptr;
  if (useFallback) fallback = viewOf(*doc, *doc->lastGood, nullptr);
  View view = viewOf(*doc, *analysis, useFallback ? &fallback : nullptr);

  if (method == "textDocument/documentSymbol") return documentSymbols(view);
  if (method == "textDocument/semanticTokens/full") return semanticTokens(view);
  if (method == "textDocument/semanticTokens/range") {
    std::optional<Range> range = params.contains("range") ? parseRange(params["range"]) : std::nullopt;
    if (!range) return failure(error::kInvalidParams, "invalid params: no `range`");
    return semanticTokens(view, range);
  }
  if (method == "textDocument/codeAction") {
    std::optional<Range> range = params.contains("range") ? parseRange(params["range"]) : std::nullopt;
    if (!range) return failure(error::kInvalidParams, "invalid params: no `range`");
    return codeActions(view, *range);
  }
  std::optional<Position> position = positionParam(params);
  if (!position) return failure(error::kInvalidParams, "invalid params: no `position`");
  if (method == "textDocument/hover") return hover(view, *position);
  if (method == "textDocument/definition") return definition(view, *position);
  return completion(view, *position, doc->text);
}

json Server::initialize(const json& params) {
  // `initializationOptions: {"incrementalCheck": true}` checks types incrementally (docs/LSP.md,
  // "How it checks"): off by default while it costs more than it saves on the benchmark program.
  if (params.is_object()) {
    auto options = params.find("initializationOptions");
    if (options != params.end() && options->is_object()) {
      auto incremental = options->find("incrementalCheck");
      if (incremental != options->end() && incremental->is_boolean()) incrementalCheck_ = incremental->get<bool>();
    }
  }
  json capabilities = {
      {"positionEncoding", "utf-16"},
      {"textDocumentSync", {{"openClose", true}, {"change", 2}, {"save", {{"includeText", false}}}}},
      {"hoverProvider", true},
      {"definitionProvider", true},
      {"referencesProvider", true},
      {"documentSymbolProvider", true},
      {"documentFormattingProvider", true},
      {"completionProvider", {{"triggerCharacters", {"|", ".", "\"", " "}}}},
      {"codeActionProvider", {{"codeActionKinds", {"quickfix"}}}},
      {"renameProvider", {{"prepareProvider", true}}},
      {"semanticTokensProvider", {{"legend", semanticTokensLegend()}, {"full", true}, {"range", true}}},
  };
  return json{{"capabilities", capabilities}, {"serverInfo", {{"name", "weir"}, {"version", "0.1.0"}}}};
}

Server::Document* Server::document(const json& params) {
  if (!params.is_object() || !params.contains("textDocument") || !params["textDocument"].is_object()) return nullptr;
  const json& textDocument = params["textDocument"];
  if (!textDocument.contains("uri") || !textDocument["uri"].is_string()) return nullptr;
  auto it = documents_.find(textDocument["uri"].get<std::string>());
  return it == documents_.end() ? nullptr : it->second.get();
}

void Server::didOpen(const json& params) {
  const json& item = params.at("textDocument");
  std::string uri = item.at("uri").get<std::string>();
  std::optional<std::string> path = uriToPath(uri);
  if (!path) return;  // not a file: nothing to compile it as
  auto doc = std::make_unique<Document>();
  doc->uri = uri;
  doc->path = *path;
  doc->canonical = support::canonicalPath(*path);
  doc->text = item.at("text").get<std::string>();
  doc->version = item.value("version", std::int64_t{0});
  workspace_.setOverlay(doc->path, doc->text, doc->version);
  Document& stored = *(documents_[uri] = std::move(doc));
  markChanged(stored);
}

void Server::didChange(const json& params) {
  Document* doc = document(params);
  if (doc == nullptr) return;
  const json& changes = params.at("contentChanges");
  if (!changes.is_array()) return;
  for (const json& change : changes) applyContentChange(doc->text, change);
  const json& textDocument = params["textDocument"];
  if (textDocument.contains("version") && textDocument["version"].is_number_integer()) {
    doc->version = textDocument["version"].get<std::int64_t>();
  }
  workspace_.setOverlay(doc->path, doc->text, doc->version);
  markChanged(*doc);
}

void Server::didClose(const json& params) {
  Document* doc = document(params);
  if (doc == nullptr) return;
  std::string uri = doc->uri;
  workspace_.removeOverlay(doc->path);
  // Its importers now read it from the disk.
  markChanged(*doc);
  pending_.erase(uri);
  documents_.erase(uri);
  send_(makeNotification("textDocument/publishDiagnostics", {{"uri", uri}, {"diagnostics", json::array()}}));
}

void Server::markChanged(Document& changed) {
  pending_.insert(changed.uri);
  for (auto& [uri, doc] : documents_) {
    if (doc->analysis == nullptr || doc.get() == &changed) continue;
    for (const std::string& module : doc->analysis->compilation->modulePaths()) {
      if (module == changed.canonical) {
        pending_.insert(uri);
        break;
      }
    }
  }
}

void Server::checkPending(const engine::Cancellation* cancel) {
  while (!pending_.empty()) {
    if (cancel != nullptr && cancel->cancelled()) return;
    auto it = documents_.find(*pending_.begin());
    if (it == documents_.end()) {
      pending_.erase(pending_.begin());
      continue;
    }
    if (!check(*it->second, cancel)) return;
  }
}

bool Server::check(Document& doc, const engine::Cancellation* cancel) {
  engine::CompileOptions options;
  options.plan = false;
  // A keystroke checks again only the declarations it reaches (sema/IncrementalCheck.h).
  options.incremental = incrementalCheck_;
  if (incrementalCheck_ && doc.analysis != nullptr) options.previous = doc.analysis->compilation;
  std::int64_t version = doc.version;
  std::shared_ptr<const engine::Compilation> compilation = workspace_.compile(doc.path, options, cancel);
  // The last compilation is freed by the release thread, not when `options` goes.
  options.previous.reset();
  ++compilations_;
  if (compilation->status == engine::CompileStatus::Cancelled) return false;  // a newer version waits
  auto analysis = std::make_shared<Analysis>();
  analysis->compilation = std::move(compilation);
  analysis->version = version;
  if (const source::SourceFile* root = analysis->root()) {
    for (const diag::Diagnostic& d : analysis->compilation->diagnostics.diagnostics()) {
      if (d.range.file == root->id() && d.severity == diag::Severity::Error && d.code.rfind("E00", 0) == 0) {
        analysis->syntaxOk = false;
      }
    }
  }
  released_.release(std::exchange(doc.analysis, analysis));
  if (analysis->syntaxOk) released_.release(std::exchange(doc.lastGood, analysis));
  pending_.erase(doc.uri);
  publish(doc);
  return true;
}

std::shared_ptr<Server::Analysis> Server::analysisOf(Document& doc) {
  if (pending_.count(doc.uri) || doc.analysis == nullptr) check(doc, nullptr);
  return doc.analysis;
}

std::string Server::uriOfPath(const std::string& path) const {
  std::string canonical = support::canonicalPath(path);
  for (const auto& [uri, doc] : documents_) {
    if (doc->canonical == canonical) return uri;
  }
  return pathToUri(canonical);
}

View Server::viewOf(Document& doc, Analysis& analysis, View* fallback) {
  View view;
  view.uri = doc.uri;
  view.compilation = analysis.compilation.get();
  view.index = &analysis.indexed();
  view.root = analysis.root();
  view.fallback = fallback;
  view.uriOf = [this, &doc](const std::string& path) { return path == doc.path ? doc.uri : uriOfPath(path); };
  return view;
}

namespace {

int lspSeverity(diag::Severity severity) {
  switch (severity) {
    case diag::Severity::Error: return 1;
    case diag::Severity::Warning: return 2;
    case diag::Severity::Note: return 3;
  }
  return 3;
}

}  // namespace

void Server::publish(const Document& doc) {
  json diagnostics = json::array();
  const engine::Compilation& compilation = *doc.analysis->compilation;
  const source::SourceFile* root = doc.analysis->root();
  if (root == nullptr) {
    diagnostics.push_back({{"range", toJson(Range{})}, {"severity", 1}, {"source", "weir"}, {"message", compilation.problem}});
  }
  for (const diag::Diagnostic& d : compilation.diagnostics.diagnostics()) {
    if (root == nullptr || (d.range.file != root->id() && d.range.file != source::kNoFile)) continue;
    std::string message = d.message;
    for (const std::string& note : d.notes) message += "\nnote: " + note;
    if (!d.help.empty()) message += "\nhelp: " + d.help;
    json entry = {{"range", toJson(d.range.file == root->id() ? rangeIn(*root, d.range) : Range{})},
                  {"severity", lspSeverity(d.severity)},
                  {"source", "weir"},
                  {"message", message}};
    if (!d.code.empty()) entry["code"] = d.code;
    json related = json::array();
    for (const diag::Label& label : d.labels) {
      const source::SourceFile* file = compilation.sources.file(label.range.file);
      if (file == nullptr || !label.range.valid()) continue;
      std::string uri = file == root ? doc.uri : uriOfPath(file->path());
      related.push_back({{"location", {{"uri", uri}, {"range", toJson(rangeIn(*file, label.range))}}}, {"message", label.message}});
    }
    if (!related.empty()) entry["relatedInformation"] = related;
    diagnostics.push_back(std::move(entry));
  }
  send_(makeNotification("textDocument/publishDiagnostics",
                         {{"uri", doc.uri}, {"version", doc.analysis->version}, {"diagnostics", diagnostics}}));
}

void Server::forEachLoader(const Document& from, const SymbolKey& key, const std::function<bool(const View&)>& visit) {
  std::set<std::string> visited;
  for (auto& [uri, other] : documents_) {
    visited.insert(other->canonical);
    std::shared_ptr<Analysis> analysis = analysisOf(*other);
    if (analysis->root() == nullptr || analysis->compilation->sources.file(key.file) == nullptr) continue;
    if (!visit(viewOf(*other, *analysis, nullptr))) return;
  }
  // The project's files that are not open: the ones whose text names the symbol are compiled
  // (no plan), and those that load its file searched. The walk stays below the project root,
  // skips hidden folders (.weir, .git) and symlinks, and stops after kMaxProjectFiles files.
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path root = engine::Project::ofFile(from.path).root();
  fs::recursive_directory_iterator walk(root, fs::directory_options::skip_permission_denied, ec);
  std::size_t files = 0;
  for (; !ec && walk != fs::recursive_directory_iterator(); walk.increment(ec)) {
    const fs::directory_entry& entry = *walk;
    std::string name = entry.path().filename().string();
    if (entry.is_symlink(ec)) continue;
    if (entry.is_directory(ec)) {
      if (!name.empty() && (name[0] == '.' || name == "node_modules")) walk.disable_recursion_pending();
      continue;
    }
    if (entry.path().extension() != ".mlflow" || !entry.is_regular_file(ec) || ++files > kMaxProjectFiles) {
      if (files > kMaxProjectFiles) break;
      continue;
    }
    std::string canonical = support::canonicalPath(entry.path().string());
    if (!visited.insert(canonical).second) continue;
    std::string error;
    std::optional<std::string> text = source::readWholeFile(entry.path().string(), error);
    if (!text || text->find(key.name) == std::string::npos) continue;
    engine::CompileOptions options;
    options.plan = false;
    Analysis analysis;
    analysis.compilation = workspace_.compile(entry.path().string(), options);
    if (analysis.root() == nullptr || analysis.compilation->sources.file(key.file) == nullptr) continue;
    Document document;
    document.path = entry.path().string();
    document.canonical = canonical;
    document.uri = pathToUri(canonical);
    if (!visit(viewOf(document, analysis, nullptr))) return;
  }
}

json Server::references(const json& params, bool includeDeclaration) {
  Document* doc = document(params);
  std::optional<Position> position = positionParam(params);
  if (doc == nullptr) return json::array();
  if (!position) return failure(error::kInvalidParams, "invalid params: no `position`");
  std::shared_ptr<Analysis> analysis = analysisOf(*doc);
  if (analysis->root() == nullptr) return json::array();
  std::optional<SymbolKey> key = symbolKeyAt(viewOf(*doc, *analysis, nullptr), *position);
  if (!key) return json::array();
  json result = json::array();
  std::set<std::string> seen;
  // Every program that loads the file may name it (importers of a module).
  forEachLoader(*doc, *key, [&](const View& view) {
    for (const Location& location : referencesIn(view, *key)) {
      if (location.definition && !includeDeclaration) continue;
      json entry = toJson(location);
      if (seen.insert(support::jsonText(entry)).second) result.push_back(std::move(entry));
    }
    return true;
  });
  return result;
}

json Server::prepareRename(const json& params) {
  Document* doc = document(params);
  std::optional<Position> position = positionParam(params);
  if (doc == nullptr || !position) return nullptr;
  std::shared_ptr<Analysis> analysis = analysisOf(*doc);
  if (analysis->root() == nullptr) return nullptr;
  View view = viewOf(*doc, *analysis, nullptr);
  std::optional<SymbolKey> key = symbolKeyAt(view, *position);
  if (!key) return nullptr;
  if (!key->renamable) return failure(error::kRequestFailed, fmt::format("`{}` cannot be renamed here", key->name));
  const sema::Symbol* symbol = view.index->symbolAt(view.root->id(), locationIn(*view.root, *position));
  if (symbol == nullptr) return nullptr;
  return json{{"range", toJson(rangeIn(*view.root, symbol->range))}, {"placeholder", symbol->name}};
}

json Server::rename(const json& params) {
  Document* doc = document(params);
  std::optional<Position> position = positionParam(params);
  if (doc == nullptr) return nullptr;
  if (!position || !params.contains("newName") || !params["newName"].is_string()) {
    return failure(error::kInvalidParams, "invalid params: rename needs `position` and `newName`");
  }
  std::string newName = params["newName"].get<std::string>();
  if (!ast::isPlainIdentifier(newName)) {
    return failure(error::kRequestFailed, fmt::format("`{}` is not a name (letters, digits and `_`)", newName));
  }
  std::shared_ptr<Analysis> analysis = analysisOf(*doc);
  if (analysis->root() == nullptr) return nullptr;
  View view = viewOf(*doc, *analysis, nullptr);
  std::optional<SymbolKey> key = symbolKeyAt(view, *position);
  if (!key) return nullptr;
  if (!key->renamable) {
    return failure(error::kRequestFailed,
                   key->kind == sema::Symbol::Kind::Column
                       ? fmt::format("column `{}` names data in files (a schema's column) or is used inside a transform, "
                                     "function or rule body: rename it by hand",
                                     key->name)
                       : fmt::format("`{}` cannot be renamed", key->name));
  }
  // A name already declared in the module would be declared twice.
  if (key->kind == sema::Symbol::Kind::Declaration && view.compilation->checked) {
    for (const auto& [module, scope] : view.compilation->checked->names.scopes) {
      auto existing = scope.decls.find(newName);
      if (existing != scope.decls.end() && existing->second->name.range.file == key->file) {
        return failure(error::kRequestFailed, fmt::format("`{}` is already declared in this module", newName));
      }
    }
  }
  json changes = json::object();
  std::set<std::string> seen;
  bool inStdlib = false;
  forEachLoader(*doc, *key, [&](const View& loader) {
    for (const Location& location : referencesIn(loader, *key)) {
      if (location.stdlib) {
        inStdlib = true;
        return false;
      }
      json range = toJson(location.range);
      if (!seen.insert(location.uri + support::jsonText(range)).second) continue;
      changes[location.uri].push_back({{"range", range}, {"newText", newName}});
    }
    return true;
  });
  if (inStdlib) return failure(error::kRequestFailed, fmt::format("`{}` is named in a standard module", key->name));
  return json{{"changes", changes}};
}

}  // namespace weir::lsp
