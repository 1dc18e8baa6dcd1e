#include "engine/Workspace.h"

#include "parse/Parser.h"
#include "plan/Lowering.h"
#include "sema/Governance.h"
#include "sema/IncrementalCheck.h"
#include "support/ProjectPath.h"
#include "support/Stack.h"
#include "support/Suggest.h"

#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>

namespace weir::engine {

namespace fs = std::filesystem;

std::vector<std::string> Compilation::modulePaths() const {
  std::vector<std::string> paths;
  if (checked) {
    for (const auto& module : checked->program.modules) paths.push_back(module->canonicalPath);
  }
  return paths;
}

// The loader's view of files for one compilation: unsaved buffers over the disk, and syntax
// trees reused when a file's text is the one parsed before.
class WorkspaceModules : public sema::ModuleSource {
 public:
  WorkspaceModules(Workspace& workspace, source::SourceManager& sources, const Cancellation* cancel)
      : workspace_(workspace), sources_(sources), cancel_(cancel) {}

  std::optional<source::FileId> load(const std::string& path, source::SourceManager& sources, std::string& error) override {
    if (const source::SourceFile* existing = sources.findByPath(path)) return existing->id();
    std::string canonical = support::canonicalPath(path);
    std::optional<std::string> text = workspace_.readFile(canonical, path, error);
    if (!text) return std::nullopt;
    {
      std::lock_guard<std::mutex> lock(workspace_.mutex_);
      auto it = workspace_.parsed_.find(canonical);
      if (it != workspace_.parsed_.end() && it->second.file->path() == path && it->second.file->text() == *text) {
        return sources.adoptFile(it->second.file).id();
      }
    }
    return sources.addFile(path, std::move(*text)).id();
  }

  std::shared_ptr<const ast::Module> parse(const source::SourceFile& file, diag::DiagnosticEngine& diags) override {
    std::string canonical = support::canonicalPath(file.path());
    {
      std::lock_guard<std::mutex> lock(workspace_.mutex_);
      auto it = workspace_.parsed_.find(canonical);
      if (it != workspace_.parsed_.end() && it->second.file->id() == file.id()) {
        ++workspace_.stats_.reused;
        for (const diag::Diagnostic& diagnostic : it->second.diagnostics) diags.record(diagnostic);
        return it->second.tree;
      }
    }
    std::shared_ptr<parse::IncrementalParser> incremental;
    {
      std::lock_guard<std::mutex> lock(workspace_.mutex_);
      auto it = workspace_.incremental_.find(canonical);
      if (it != workspace_.incremental_.end()) incremental = it->second;
    }
    diag::DiagnosticEngine own;
    parse::IncrementalParser::Stats last;
    std::shared_ptr<const ast::Module> tree = incremental ? incremental->parse(file, own, &last) : parse::parseModule(file, own);
    for (const diag::Diagnostic& diagnostic : own.diagnostics()) diags.record(diagnostic);
    std::shared_ptr<const source::SourceFile> shared = sources_.shared(file.id());
    std::lock_guard<std::mutex> lock(workspace_.mutex_);
    ++workspace_.stats_.parsed;
    if (incremental) {
      workspace_.stats_.declarationsParsed += last.parsed;
      workspace_.stats_.declarationsReused += last.reused;
    }
    // A root given as text (standard input) has no file to come back to: not kept.
    if (shared && file.id() != uncached_) workspace_.parsed_[canonical] = {shared, tree, own.diagnostics()};
    return tree;
  }

  bool cancelled() const override { return cancel_ != nullptr && cancel_->cancelled(); }

  source::FileId uncached_ = source::kNoFile;

 private:
  Workspace& workspace_;
  source::SourceManager& sources_;
  const Cancellation* cancel_;
};

Workspace::Workspace(std::string stdlibDir) : stdlibDir_(std::move(stdlibDir)), ids_(std::make_shared<source::FileIdAllocator>()) {}

Workspace::~Workspace() = default;

std::string Workspace::defaultStdlibDir() {
  if (const char* env = std::getenv("WEIR_STDLIB"); env != nullptr && env[0] != '\0') return env;
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return "stdlib";
  return (exe.parent_path().parent_path() / "share" / "weir" / "stdlib").string();
}

void Workspace::setOverlay(const std::string& path, std::string text, std::int64_t version) {
  std::string canonical = support::canonicalPath(path);
  std::lock_guard<std::mutex> lock(mutex_);
  overlays_[canonical] = Overlay{std::move(text), version};
  if (!incremental_.contains(canonical)) incremental_[canonical] = std::make_shared<parse::IncrementalParser>();
}

void Workspace::removeOverlay(const std::string& path) {
  std::string canonical = support::canonicalPath(path);
  std::lock_guard<std::mutex> lock(mutex_);
  overlays_.erase(canonical);
  incremental_.erase(canonical);
}

std::optional<std::int64_t> Workspace::overlayVersion(const std::string& path) const {
  std::string canonical = support::canonicalPath(path);
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = overlays_.find(canonical);
  if (it == overlays_.end()) return std::nullopt;
  return it->second.version;
}

Workspace::Stats Workspace::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stats_;
}

std::optional<std::string> Workspace::readFile(const std::string& canonicalPath, const std::string& path, std::string& error) const {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = overlays_.find(canonicalPath);
    if (it != overlays_.end()) return it->second.text;
  }
  return source::readWholeFile(path, error);
}

std::shared_ptr<const Compilation> Workspace::compile(const std::string& path, const CompileOptions& options,
                                                      const Cancellation* cancel) {
  std::shared_ptr<const Compilation> compilation = compileOnce(path, options, cancel);
  // Past the limit of errors per file, which errors are kept depends on the order they were
  // found in, which an incremental check does not follow: check the whole program instead.
  if (compilation->checked && compilation->checked->declarationsKept > 0) {
    for (const diag::Diagnostic& diagnostic : compilation->diagnostics.diagnostics()) {
      if (diagnostic.kind != diag::Kind::ErrorsLeftOut) continue;
      CompileOptions whole = options;
      whole.previous = nullptr;
      return compileOnce(path, whole, cancel);
    }
  }
  return compilation;
}

std::shared_ptr<const Compilation> Workspace::compileOnce(const std::string& path, const CompileOptions& options,
                                                          const Cancellation* cancel) {
  auto compilation = std::make_shared<Compilation>(ids_);
  compilation->path = path;
  WorkspaceModules modules(*this, compilation->sources, cancel);
  std::string error;
  if (!modules.load(path, compilation->sources, error)) {
    compilation->status = CompileStatus::Unreadable;
    compilation->problem = fmt::format("cannot read `{}`: {}", path, error);
    return compilation;
  }
  finish(*compilation, options, cancel, modules);
  return compilation;
}

std::shared_ptr<const Compilation> Workspace::compileText(const std::string& path, std::string text,
                                                          const CompileOptions& options, const Cancellation* cancel) {
  auto compilation = std::make_shared<Compilation>(ids_);
  compilation->path = path;
  source::FileId root = compilation->sources.addFile(path, std::move(text)).id();
  WorkspaceModules modules(*this, compilation->sources, cancel);
  modules.uncached_ = root;
  finish(*compilation, options, cancel, modules);
  return compilation;
}

void Workspace::finish(Compilation& compilation, const CompileOptions& options, const Cancellation* cancel,
                       WorkspaceModules& modules) {
  // The phases recurse over expressions as deep as the parser allows: they get the stack that
  // needs, whatever thread calls (ast/Limits.h).
  support::runWithStack(support::kPhaseStackBytes, [&] { runPhases(compilation, options, cancel, modules); });
}

void Workspace::runPhases(Compilation& compilation, const CompileOptions& options, const Cancellation* cancel,
                          WorkspaceModules& modules) {
  auto cancelled = [&] {
    if (cancel == nullptr || !cancel->cancelled()) return false;
    compilation.status = CompileStatus::Cancelled;
    return true;
  };
  const source::SourceFile& root = *compilation.sources.files().front();
  compilation.projectRoot = support::findProjectRoot(root.path());
  sema::LoaderOptions loader{stdlibDir_, compilation.projectRoot, &modules};
  diag::DiagnosticEngine& diags = compilation.diagnostics;
  CheckedProgram& checked = compilation.checked.emplace();
  checked.program = sema::loadProgram(root.id(), compilation.sources, diags, loader);
  if (cancelled()) return;
  checked.names = sema::resolveNames(checked.program, diags);
  if (cancelled()) return;
  if (options.incremental) {
    checkTypesIncrementally(compilation, options);
  } else {
    checked.types = sema::checkTypes(checked.program, checked.names, diags);
  }
  if (cancelled()) return;
  checked.declarations = sema::checkDeclarations(checked.program, checked.names, checked.types, diags);
  sema::checkGovernance(checked.program, checked.names, checked.types, checked.declarations, diags);
  diags.sortByLocation(compilation.sources);
  if (diags.hasErrors()) {
    compilation.status = CompileStatus::Errors;
    return;
  }
  if (!options.plan || cancelled()) return;

  plan::Plan plan = plan::lowerProgram(checked.program, checked.names, checked.types, checked.declarations);
  // A checked program's every sink is lowered: one that is not would make a run say "ok" and
  // write nothing, so it is our bug, said as such.
  for (const ast::DeclPtr& decl : checked.program.root->ast->decls) {
    if (decl->kind != ast::DeclKind::Sink || decl->incomplete || plan.find(decl->name.text) != nullptr) continue;
    compilation.status = CompileStatus::InvalidPlan;
    compilation.problem = fmt::format("after lowering: sink `{}` has no node", decl->name.text);
    return;
  }
  for (const std::string& target : options.passes.targets) {
    if (plan.find(target) != nullptr) continue;
    std::vector<std::string> known;
    for (const auto& [name, id] : plan.declarations()) known.push_back(name);
    compilation.status = CompileStatus::UnknownTarget;
    compilation.problem = fmt::format("`{}` is not a declaration of `{}` that the plan computes", target, compilation.path);
    std::string suggestion = support::closestMatch(target, known);
    if (!suggestion.empty()) compilation.problem += fmt::format("; did you mean `{}`?", suggestion);
    return;
  }
  std::ostringstream discarded;
  std::vector<std::string> problems = plan::runPasses(plan, options.passes, options.passDumps != nullptr ? *options.passDumps : discarded);
  if (!problems.empty()) {
    compilation.status = CompileStatus::InvalidPlan;
    for (const std::string& problem : problems) compilation.problem += (compilation.problem.empty() ? "" : "\n") + problem;
    return;
  }
  compilation.plan = std::move(plan);
}

void Workspace::checkTypesIncrementally(Compilation& compilation, const CompileOptions& options) {
  CheckedProgram& checked = *compilation.checked;
  std::optional<sema::TypeReuse> reuse;
  const Compilation* previous = options.previous.get();
  if (previous != nullptr && previous->checked && previous->checked->reusable) {
    const CheckedProgram& last = *previous->checked;
    sema::LastCheck lastCheck{&last.program, &last.names, &last.types, &last.typeDiagnostics, &previous->sources,
                              &last.declarationNodes};
    reuse = sema::planTypeReuse(lastCheck, checked.program, checked.names, compilation.sources);
  }
  std::size_t declarations = 0;
  for (const auto& module : checked.program.modules) declarations += module->ast->decls.size();
  // Reported apart so that a whole check can follow an incremental one that could not be used.
  diag::DiagnosticEngine expansionDiags, declarationDiags;
  std::optional<std::vector<diag::Diagnostic>> reported;
  if (reuse) {
    std::size_t kept = reuse->kept.declarations.size();
    checked.types = sema::checkTypes(checked.program, checked.names, expansionDiags, declarationDiags, &reuse->kept);
    if (!checked.types.bodiesReadDeclarations) reported = reuse->mergeDiagnostics(declarationDiags.diagnostics());
    if (reported) {
      checked.declarationsKept = kept;
      checked.declarationNodes = std::move(reuse->nodes);
    }
  }
  if (!reported) {
    expansionDiags = diag::DiagnosticEngine();
    declarationDiags = diag::DiagnosticEngine();
    checked.types = sema::checkTypes(checked.program, checked.names, expansionDiags, declarationDiags, nullptr);
    reported = declarationDiags.diagnostics();
  }
  checked.declarationsChecked = declarations - checked.declarationsKept;
  for (const diag::Diagnostic& diagnostic : expansionDiags.diagnostics()) compilation.diagnostics.record(diagnostic);
  for (const diag::Diagnostic& diagnostic : *reported) compilation.diagnostics.record(diagnostic);
  checked.typeDiagnostics = std::move(*reported);
  checked.reusable = !checked.types.bodiesReadDeclarations;
  std::lock_guard<std::mutex> lock(mutex_);
  stats_.declarationsChecked += checked.declarationsChecked;
  stats_.declarationsKept += checked.declarationsKept;
}

}  // namespace weir::engine
