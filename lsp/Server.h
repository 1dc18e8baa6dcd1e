#pragma once

// The language server: LSP requests and notifications in, answers and diagnostics out, over an
// engine::Workspace whose overlays are the editor's unsaved buffers. Nothing here reads bytes or
// knows of threads: `handle` takes one parsed message, `send` receives each message to write,
// and `checkPending` does the compilations that changes asked for (Loop.h calls it when no
// message waits, which debounces a burst of keystrokes into one compilation).
//
// Each open document is compiled as a program root. A change marks it and every open document
// whose last compilation loaded it (an imported module's unsaved edits re-check its importers)
// as pending; diagnostics are published for a document's own file, with the version they were
// computed from, and only for its latest version: a compilation overtaken by a newer change is
// cancelled and its result dropped.

#include "engine/Cancellation.h"
#include "engine/Workspace.h"
#include "lsp/DeferredRelease.h"
#include "lsp/Features.h"
#include "lsp/Protocol.h"
#include "lsp/Transport.h"

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>

namespace weir::lsp {

class Server {
 public:
  using Send = std::function<void(const json&)>;
  Server(engine::Workspace& workspace, Send send);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // One message from the client (a request, a notification, or a response to us).
  void handle(const json& message);
  // A frame the transport could not read: answered per JSON-RPC when it can be.
  void handleBadFrame(const Frame& frame);

  // Compiles the documents with pending changes and publishes their diagnostics. Returns early,
  // the work still pending, once `cancel` is set (a newer change arrived).
  void checkPending(const engine::Cancellation* cancel = nullptr);
  bool hasPendingChecks() const { return !pending_.empty(); }

  // Whether a message changes a document (the loop then cancels a compilation in progress).
  static bool changesDocuments(const json& message);

  bool exited() const { return exited_; }
  // 0 after shutdown then exit, 1 for an exit without shutdown (LSP 3.17).
  int exitCode() const { return shutdown_ ? 0 : 1; }

  // How many compilations ran (the benchmark and tests read it).
  std::size_t compilations() const { return compilations_; }

 private:
  struct Analysis;
  struct Document;

  json dispatch(const std::string& method, const json& params, bool isRequest);
  json initialize(const json& params);
  void didOpen(const json& params);
  void didChange(const json& params);
  void didClose(const json& params);
  void markChanged(Document& document);

  Document* document(const json& params);
  // The document's analysis for its current text (compiled now if a change is pending).
  std::shared_ptr<Analysis> analysisOf(Document& document);
  bool check(Document& document, const engine::Cancellation* cancel);
  void publish(const Document& document);
  View viewOf(Document& document, Analysis& analysis, View* fallback);
  std::string uriOfPath(const std::string& path) const;

  // Calls `visit` with a view of every program that may name `key`'s file: the open documents
  // that load it, then the project's other `.mlflow` files that do (read from the disk, with
  // the open documents' unsaved text as overlays), at most kMaxProjectFiles of them.
  void forEachLoader(const Document& from, const SymbolKey& key, const std::function<bool(const View&)>& visit);
  static constexpr std::size_t kMaxProjectFiles = 2000;

  json references(const json& params, bool includeDeclaration);
  json rename(const json& params);
  json prepareRename(const json& params);

  engine::Workspace& workspace_;
  Send send_;
  DeferredRelease released_;  // analyses replaced by newer ones
  bool initialized_ = false;
  bool incrementalCheck_ = false;  // the client's initializationOptions.incrementalCheck
  bool shutdown_ = false;
  bool exited_ = false;
  std::map<std::string, std::unique_ptr<Document>> documents_;  // by URI
  std::set<std::string> pending_;                                // URIs to compile
  std::size_t compilations_ = 0;
};

}  // namespace weir::lsp
