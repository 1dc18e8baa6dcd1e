#pragma once

// The workspace: where the engine finds programs. It knows the install (the standard library),
// finds each program's project, reads files through a view that puts unsaved buffers (the
// language server's) over the disk, and reuses the syntax tree of a file whose text did not
// change since an earlier compilation. Every front door compiles through one.
//
// Thread safety: every member may be called from any thread; compilations run concurrently.

#include "engine/Cancellation.h"
#include "engine/Compilation.h"
#include "plan/PassManager.h"

#include <cstdint>
#include <iosfwd>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace weir::parse {
class IncrementalParser;
}

namespace weir::engine {

struct CompileOptions {
  bool plan = true;  // lower and optimize the program (false: stop after checking it)
  plan::PassOptions passes;  // targets, disabled passes, dumps around passes
  std::ostream* passDumps = nullptr;  // where the dumps and timings asked for go
  // An editor's: check incrementally, keeping from `previous` (the last compilation of the same
  // root) the types and diagnostics of the declarations nothing edited reaches
  // (sema/IncrementalCheck.h), and keep what the next compilation needs for that. The result is
  // the one a whole check gives.
  bool incremental = false;
  std::shared_ptr<const Compilation> previous;
};

class Workspace {
 public:
  // `stdlibDir`: where `import std.NAME` looks (see defaultStdlibDir()).
  explicit Workspace(std::string stdlibDir = defaultStdlibDir());
  ~Workspace();
  Workspace(const Workspace&) = delete;
  Workspace& operator=(const Workspace&) = delete;

  // $WEIR_STDLIB, else <folder of the binary>/../share/weir/stdlib.
  static std::string defaultStdlibDir();
  const std::string& stdlibDir() const { return stdlibDir_; }

  // Unsaved buffers: compilations read `text` for `path` instead of the file on disk. A file
  // with an overlay is parsed incrementally (parse::IncrementalParser): an edit re-parses only
  // the declarations it touched.
  void setOverlay(const std::string& path, std::string text, std::int64_t version);
  void removeOverlay(const std::string& path);
  std::optional<std::int64_t> overlayVersion(const std::string& path) const;

  // Compiles the program whose root file is `path`. With `cancel` set meanwhile, the result
  // says Cancelled (and is incomplete).
  std::shared_ptr<const Compilation> compile(const std::string& path, const CompileOptions& options = {},
                                             const Cancellation* cancel = nullptr);
  // The same for a root whose text is given (standard input); `path` names it in messages.
  std::shared_ptr<const Compilation> compileText(const std::string& path, std::string text,
                                                 const CompileOptions& options = {}, const Cancellation* cancel = nullptr);

  // How many files were parsed, and how many syntax trees were reused instead; of the files
  // parsed incrementally, how many declarations were parsed and how many reused.
  struct Stats {
    std::size_t parsed = 0;
    std::size_t reused = 0;
    std::size_t declarationsParsed = 0;
    std::size_t declarationsReused = 0;
    // Of incremental checks (CompileOptions::incremental): declarations the type checker
    // checked, and those whose results it kept.
    std::size_t declarationsChecked = 0;
    std::size_t declarationsKept = 0;
  };
  Stats stats() const;

 private:
  friend class WorkspaceModules;
  struct Overlay {
    std::string text;
    std::int64_t version = 0;
  };
  struct ParsedFile {
    std::shared_ptr<const source::SourceFile> file;
    std::shared_ptr<const ast::Module> tree;
    std::vector<diag::Diagnostic> diagnostics;  // the parser's
  };
  std::optional<std::string> readFile(const std::string& canonicalPath, const std::string& path, std::string& error) const;
  void finish(Compilation& compilation, const CompileOptions& options, const Cancellation* cancel, class WorkspaceModules& modules);
  void runPhases(Compilation& compilation, const CompileOptions& options, const Cancellation* cancel, WorkspaceModules& modules);
  void checkTypesIncrementally(Compilation& compilation, const CompileOptions& options);
  std::shared_ptr<const Compilation> compileOnce(const std::string& path, const CompileOptions& options, const Cancellation* cancel);

  std::string stdlibDir_;
  std::shared_ptr<source::FileIdAllocator> ids_;
  mutable std::mutex mutex_;  // guards what follows
  std::map<std::string, Overlay> overlays_;  // by canonical path
  std::map<std::string, ParsedFile> parsed_;  // by canonical path: the last text parsed
  std::map<std::string, std::shared_ptr<parse::IncrementalParser>> incremental_;  // of the overlays
  Stats stats_;
};

}  // namespace weir::engine
