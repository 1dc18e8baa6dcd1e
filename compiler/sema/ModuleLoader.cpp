#include "sema/ModuleLoader.h"

#include "parse/Parser.h"
#include "support/ProjectPath.h"
#include "support/Suggest.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <system_error>

namespace weir::sema {

namespace fs = std::filesystem;

std::optional<source::FileId> ModuleSource::load(const std::string& path, source::SourceManager& sources, std::string& error) {
  return sources.loadFile(path, error);
}

std::shared_ptr<const ast::Module> ModuleSource::parse(const source::SourceFile& file, diag::DiagnosticEngine& diags) {
  return parse::parseModule(file, diags);
}

namespace {

std::string canonicalPath(const fs::path& path) { return support::canonicalPath(path.string()); }

class Loader {
 public:
  Loader(source::SourceManager& sources, diag::DiagnosticEngine& diags, const LoaderOptions& options)
      : sources_(sources), diags_(diags), options_(options), projectRoot_(canonicalPath(options.projectRoot)),
        modules_(options.modules != nullptr ? *options.modules : disk_) {}

  Program run(source::FileId rootFile) {
    const source::SourceFile* file = sources_.file(rootFile);
    program_.projectRoot = projectRoot_;
    program_.stdlibDir = options_.stdlibDir;
    program_.root = load(*file, canonicalPath(file->path()), false);
    return std::move(program_);
  }

 private:
  LoadedModule* load(const source::SourceFile& file, const std::string& canonicalPath, bool isStdlib) {
    auto owned = std::make_unique<LoadedModule>();
    LoadedModule* module = owned.get();
    module->canonicalPath = canonicalPath;
    module->isStdlib = isStdlib;
    module->ast = modules_.parse(file, diags_);
    program_.modules.push_back(std::move(owned));
    byPath_[canonicalPath] = module;

    stack_.push_back(module);
    for (const ast::DeclPtr& decl : module->ast->decls) {
      if (decl->kind != ast::DeclKind::Import || decl->incomplete || modules_.cancelled()) continue;
      const auto& import = decl->as<ast::ImportDecl>();
      if (LoadedModule* target = resolveImport(*module, import)) module->imports[&import] = target;
    }
    stack_.pop_back();
    return module;
  }

  LoadedModule* resolveImport(const LoadedModule& importer, const ast::ImportDecl& import) {
    fs::path target;
    bool isStdlib = import.isStd;
    if (isStdlib) {
      target = fs::path(options_.stdlibDir) / (import.stdModule + ".mlflow");
      std::error_code ec;
      if (!fs::is_directory(options_.stdlibDir, ec)) {
        diags_.report(diag::Kind::StdlibNotFound, import.targetRange, options_.stdlibDir);
        return nullptr;
      }
      if (!fs::is_regular_file(target, ec)) {
        auto builder = diags_.report(diag::Kind::UnknownStdModule, import.targetRange, import.stdModule);
        std::string suggestion = support::closestMatch(import.stdModule, stdlibModules());
        if (!suggestion.empty()) builder.help(fmt::format("did you mean `std.{}`?", suggestion));
        return nullptr;
      }
    } else {
      target = fs::path(importer.canonicalPath).parent_path() / import.path;
    }
    std::string path = canonicalPath(target);
    if (!isStdlib && !support::isInsideFolder(path, projectRoot_)) {
      diags_.report(diag::Kind::ImportEscapesRoot, import.targetRange, import.path, projectRoot_)
          .note("imports are resolved relative to the importing file and must stay inside the project");
      return nullptr;
    }
    for (std::size_t i = 0; i < stack_.size(); ++i) {
      if (stack_[i]->canonicalPath != path) continue;
      std::string cycle;
      for (std::size_t j = i; j < stack_.size(); ++j) {
        cycle += fmt::format("`{}` -> ", displayName(stack_[j]->canonicalPath));
      }
      cycle += fmt::format("`{}`", displayName(path));
      diags_.report(diag::Kind::ImportCycle, import.range, cycle)
          .note("modules may not import each other in a circle; move the shared declarations into a third module");
      return nullptr;
    }
    if (auto it = byPath_.find(path); it != byPath_.end()) return it->second;

    std::string error;
    std::optional<source::FileId> id = modules_.load(isStdlib ? path : displayPath(importer, import), sources_, error);
    if (!id) {
      diags_.report(diag::Kind::ImportNotFound, import.targetRange,
                    isStdlib ? path : import.path, error);
      return nullptr;
    }
    return load(*sources_.file(*id), path, isStdlib);
  }

  // The path to show for an imported file: as the user would write it from where they are.
  std::string displayPath(const LoadedModule& importer, const ast::ImportDecl& import) {
    const source::SourceFile* file = sources_.file(importer.ast->file);
    fs::path shown = fs::path(file->path()).parent_path() / import.path;
    return shown.lexically_normal().string();
  }

  std::string displayName(const std::string& canonicalPath) const {
    return fs::path(canonicalPath).filename().string();
  }

  std::vector<std::string> stdlibModules() const {
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(options_.stdlibDir, ec)) {
      if (entry.path().extension() == ".mlflow") names.push_back(entry.path().stem().string());
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  source::SourceManager& sources_;
  diag::DiagnosticEngine& diags_;
  const LoaderOptions& options_;
  std::string projectRoot_;
  ModuleSource disk_;
  ModuleSource& modules_;
  Program program_;
  std::map<std::string, LoadedModule*> byPath_;
  std::vector<LoadedModule*> stack_;
};

}  // namespace

Program loadProgram(source::FileId root, source::SourceManager& sources, diag::DiagnosticEngine& diags,
                    const LoaderOptions& options) {
  return Loader(sources, diags, options).run(root);
}

}  // namespace weir::sema
