#include "sema/IncrementalCheck.h"

#include "ast/Walk.h"

#include <algorithm>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>

namespace weir::sema {

namespace {

using ast::Decl;
using ast::DeclPtr;
using source::FileId;
using source::SourceLocation;
using source::SourceRange;

// A declaration's extent in its file, for finding the declaration a range is in.
struct Place {
  SourceLocation begin;
  SourceLocation end;
  const Decl* decl = nullptr;
};

bool contains(const Place& place, const SourceRange& range) {
  if (range.begin < place.begin) return false;
  return !range.end.valid() || range.end <= place.end;
}

// The declarations of every file of a program, in source order.
class Places {
 public:
  explicit Places(const Program& program) {
    for (const auto& module : program.modules) {
      std::vector<Place>& places = byFile_[module->ast->file];
      for (const DeclPtr& decl : module->ast->decls) places.push_back({decl->range.begin, decl->range.end, decl.get()});
      std::sort(places.begin(), places.end(), [](const Place& a, const Place& b) { return a.begin < b.begin; });
    }
  }

  // The declaration `range` lies in, or null.
  const Decl* declAt(const SourceRange& range) const {
    if (!range.valid()) return nullptr;
    auto it = byFile_.find(range.file);
    if (it == byFile_.end()) return nullptr;
    const std::vector<Place>& places = it->second;
    auto after = std::upper_bound(places.begin(), places.end(), range.begin,
                                  [](const SourceLocation& at, const Place& place) { return at < place.begin; });
    if (after == places.begin()) return nullptr;
    const Place& place = *std::prev(after);
    return contains(place, range) ? place.decl : nullptr;
  }

 private:
  std::unordered_map<FileId, std::vector<Place>> byFile_;
};

// Moves ranges of the last program to the new one: a file whose syntax tree the new program
// shares keeps its ranges; in an edited file, a range must lie in a kept declaration, which
// moved by whole lines.
class RangeMover {
 public:
  void keepFile(FileId file) { same_.insert(file); }
  void keepDecl(FileId from, const Decl& last, FileId to, const Decl& now) {
    Move move;
    move.place = Place{last.range.begin, last.range.end, &last};
    move.to = to;
    move.lineDelta = static_cast<std::int64_t>(now.range.begin.line) - static_cast<std::int64_t>(last.range.begin.line);
    moves_[from].push_back(move);
  }
  void sort() {
    for (auto& [file, moves] : moves_) {
      std::sort(moves.begin(), moves.end(), [](const Move& a, const Move& b) { return a.place.begin < b.place.begin; });
    }
  }

  // False when the range cannot be moved (it lies in no kept declaration of an edited file).
  bool move(SourceRange& range) const {
    if (range.file == source::kNoFile || same_.contains(range.file)) return true;
    if (!range.begin.valid()) return false;
    auto it = moves_.find(range.file);
    if (it == moves_.end()) return false;
    const std::vector<Move>& moves = it->second;
    auto after = std::upper_bound(moves.begin(), moves.end(), range.begin,
                                  [](const SourceLocation& at, const Move& move) { return at < move.place.begin; });
    if (after == moves.begin()) return false;
    const Move& move = *std::prev(after);
    if (!contains(move.place, range)) return false;
    range.file = move.to;
    auto shift = [&](SourceLocation& at) {
      if (at.valid()) at.line = static_cast<std::uint32_t>(static_cast<std::int64_t>(at.line) + move.lineDelta);
    };
    shift(range.begin);
    shift(range.end);
    return true;
  }

 private:
  struct Move {
    Place place;
    FileId to = source::kNoFile;
    std::int64_t lineDelta = 0;
  };
  std::unordered_set<FileId> same_;
  std::unordered_map<FileId, std::vector<Move>> moves_;
};

// Copies tables with their ranges moved, each shared column once (copies of a table share its
// columns: ColumnList), and a column whose ranges do not move not at all.
class TableMover {
 public:
  explicit TableMover(const RangeMover& ranges) : ranges_(ranges) {}

  bool ok() const { return ok_; }

  TableType table(const TableType& from) {
    TableType out;
    out.error = from.error;
    out.columns.reserve(from.columns.size());
    for (std::size_t i = 0; i < from.columns.size(); ++i) out.columns.pushShared(column(from.columns.sharedAt(i)));
    return out;
  }

 private:
  using SharedColumn = std::shared_ptr<ColumnType>;

  bool move(SourceRange& range, bool& changed) {
    SourceRange before = range;
    if (!ranges_.move(range)) {
      ok_ = false;
      return false;
    }
    changed = changed || !(before == range);
    return true;
  }

  void taint(std::optional<Taint>& taint, bool& changed) {
    if (!taint) return;
    move(taint->originRange, changed);
    for (LineageHop& hop : taint->path) move(hop.range, changed);
  }

  SharedColumn column(const SharedColumn& from) {
    auto [it, added] = memo_.try_emplace(from.get());
    if (!added) return it->second;
    ColumnType copy = *from;
    bool changed = false;
    move(copy.declared, changed);
    move(copy.introduced, changed);
    taint(copy.piiTaint, changed);
    taint(copy.sensitiveTaint, changed);
    taint(copy.futureTaint, changed);
    it->second = changed ? std::make_shared<ColumnType>(std::move(copy)) : from;
    return it->second;
  }

  const RangeMover& ranges_;
  std::unordered_map<const ColumnType*, SharedColumn> memo_;
  bool ok_ = true;
};

// Whether two declarations have the same text: their lines, whole (what else is on them
// included, which only makes the comparison stricter).
bool sameText(const source::SourceFile& lastFile, const Decl& last, const source::SourceFile& newFile, const Decl& now) {
  std::uint32_t lines = last.range.end.line - last.range.begin.line;
  if (now.range.end.line - now.range.begin.line != lines) return false;
  for (std::uint32_t i = 0; i <= lines; ++i) {
    std::uint32_t a = last.range.begin.line + i, b = now.range.begin.line + i;
    if (a > lastFile.lineCount() || b > newFile.lineCount()) return a > lastFile.lineCount() && b > newFile.lineCount();
    if (lastFile.line(a) != newFile.line(b)) return false;
  }
  return true;
}

// Whether two declarations with the same text read the same (one the other moved by lines).
bool sameShape(const Decl& last, const Decl& now) {
  return last.kind == now.kind && last.name.text == now.name.text && last.incomplete == now.incomplete &&
         last.doc == now.doc && last.range.begin.column == now.range.begin.column &&
         last.range.end.column == now.range.end.column &&
         last.range.end.line - last.range.begin.line == now.range.end.line - now.range.begin.line;
}

// The nodes TypedProgram's entries are keyed by: operators, pipelines and calls (a transform's
// call site).
std::vector<const void*> keyNodesOf(const Decl& decl) {
  std::vector<const void*> nodes;
  ast::forEachNode(
      decl,
      [&](const ast::Expr& e) {
        if (e.kind == ast::ExprKind::Pipeline || e.kind == ast::ExprKind::Call) nodes.push_back(&e);
      },
      [&](const ast::PipeOp& o) { nodes.push_back(&o); });
  return nodes;
}

}  // namespace

struct TypeReuse::Plan {
  Places places;                                 // of the new program
  std::unordered_set<const Decl*> keptDecls;     // of the new program
  std::vector<diag::Diagnostic> lastDiagnostics;  // the last check's about kept declarations, moved

  explicit Plan(const Program& program) : places(program) {}
};

TypeReuse::TypeReuse() = default;
TypeReuse::~TypeReuse() = default;
TypeReuse::TypeReuse(TypeReuse&&) noexcept = default;
TypeReuse& TypeReuse::operator=(TypeReuse&&) noexcept = default;

std::optional<std::vector<diag::Diagnostic>> TypeReuse::mergeDiagnostics(const std::vector<diag::Diagnostic>& fresh) const {
  std::vector<diag::Diagnostic> out;
  out.reserve(fresh.size() + plan_->lastDiagnostics.size());
  for (const diag::Diagnostic& diagnostic : fresh) {
    if (diagnostic.kind == diag::Kind::ErrorsLeftOut) return std::nullopt;
    const Decl* about = plan_->places.declAt(diagnostic.range);
    if (about == nullptr) return std::nullopt;
    // A kept declaration's diagnostics are the last check's (reported again when a declaration
    // checked again reads its schema, say).
    if (!plan_->keptDecls.contains(about)) out.push_back(diagnostic);
  }
  for (const diag::Diagnostic& diagnostic : plan_->lastDiagnostics) out.push_back(diagnostic);
  return out;
}

std::optional<TypeReuse> planTypeReuse(const LastCheck& last, const Program& program, const ResolvedNames& names,
                                       const source::SourceManager& sources) {
  if (last.program == nullptr || last.types == nullptr || last.names == nullptr || last.typeDiagnostics == nullptr ||
      last.sources == nullptr || last.types->bodiesReadDeclarations) {
    return std::nullopt;
  }

  // 1. Pair each declaration with the last program's declaration of the same text in the same
  //    module (the same node when the module's syntax tree is shared).
  std::unordered_map<const Decl*, const Decl*> lastOf;  // new -> last
  std::unordered_map<const Decl*, const Decl*> nowOf;   // last -> new
  std::unordered_map<const Decl*, std::pair<FileId, FileId>> filesOf;  // new -> (last file, new file)
  std::unordered_map<std::string, const LoadedModule*> lastModules;
  for (const auto& module : last.program->modules) lastModules.emplace(module->canonicalPath, module.get());
  RangeMover ranges;
  for (const auto& module : program.modules) {
    auto found = lastModules.find(module->canonicalPath);
    if (found == lastModules.end()) continue;
    const LoadedModule& lastModule = *found->second;
    FileId lastFile = lastModule.ast->file, newFile = module->ast->file;
    auto pair = [&](const Decl& was, const Decl& now) {
      lastOf[&now] = &was;
      nowOf[&was] = &now;
      filesOf[&now] = {lastFile, newFile};
    };
    if (lastModule.ast == module->ast) {
      ranges.keepFile(newFile);
      for (const DeclPtr& decl : module->ast->decls) pair(*decl, *decl);
      continue;
    }
    const source::SourceFile* lastText = last.sources->file(lastFile);
    const source::SourceFile* newText = sources.file(newFile);
    if (lastText == nullptr || newText == nullptr) continue;
    std::unordered_map<std::string_view, std::deque<const Decl*>> byName;
    for (const DeclPtr& decl : lastModule.ast->decls) byName[decl->name.text].push_back(decl.get());
    for (const DeclPtr& decl : module->ast->decls) {
      auto it = byName.find(decl->name.text);
      if (it == byName.end()) continue;
      std::deque<const Decl*>& candidates = it->second;
      auto match = std::find_if(candidates.begin(), candidates.end(), [&](const Decl* was) {
        return sameShape(*was, *decl) && sameText(*lastText, *was, *newText, *decl);
      });
      if (match == candidates.end()) continue;
      pair(**match, *decl);
      candidates.erase(match);
    }
  }

  // 2. A declaration is checked again when it has no counterpart, when its names resolve to
  //    anything but the counterparts of what they resolved to, and when anything it refers to is
  //    checked again.
  static const std::vector<const Decl*> kNone;
  auto referencesOf = [](const ResolvedNames& resolved, const Decl* decl) -> const std::vector<const Decl*>& {
    auto it = resolved.references.find(decl);
    return it == resolved.references.end() ? kNone : it->second;
  };
  std::unordered_set<const Decl*> again;
  std::unordered_map<const Decl*, std::vector<const Decl*>> users;  // new decl -> the new decls referring to it
  std::vector<const Decl*> all;
  for (const auto& module : program.modules) {
    for (const DeclPtr& decl : module->ast->decls) all.push_back(decl.get());
  }
  for (const Decl* decl : all) {
    const std::vector<const Decl*>& now = referencesOf(names, decl);
    for (const Decl* target : now) users[target].push_back(decl);
    auto was = lastOf.find(decl);
    if (was == lastOf.end()) {
      again.insert(decl);
      continue;
    }
    const std::vector<const Decl*>& before = referencesOf(*last.names, was->second);
    bool same = before.size() == now.size();
    for (std::size_t i = 0; same && i < now.size(); ++i) {
      auto moved = nowOf.find(before[i]);
      same = moved != nowOf.end() && moved->second == now[i];
    }
    if (!same) again.insert(decl);
  }
  std::vector<const Decl*> work(again.begin(), again.end());
  while (!work.empty()) {
    const Decl* decl = work.back();
    work.pop_back();
    auto it = users.find(decl);
    if (it == users.end()) continue;
    for (const Decl* user : it->second) {
      if (again.insert(user).second) work.push_back(user);
    }
  }
  if (again.size() == all.size()) return std::nullopt;

  // 3. The kept declarations' nodes, paired, and their ranges' moves.
  TypeReuse reuse;
  reuse.plan_ = std::make_unique<TypeReuse::Plan>(program);
  TypeReuse::Plan& plan = *reuse.plan_;
  std::unordered_map<const void*, const void*> nodes;  // last -> new, of the kept declarations
  for (const Decl* decl : all) {
    if (again.contains(decl)) continue;
    const Decl* was = lastOf.at(decl);
    plan.keptDecls.insert(decl);
    reuse.kept.declarations.insert(decl);
    auto [lastFile, newFile] = filesOf.at(decl);
    if (was != decl) ranges.keepDecl(lastFile, *was, newFile, *decl);
    std::vector<const void*> before;
    const std::vector<const void*>* known = nullptr;
    if (last.nodes != nullptr) {
      if (auto it = last.nodes->find(was); it != last.nodes->end()) known = &it->second;
    }
    if (known == nullptr) {
      before = keyNodesOf(*was);
      known = &before;
    }
    // A shared syntax tree's declaration is its own counterpart, node for node.
    std::vector<const void*> now = was == decl ? *known : keyNodesOf(*decl);
    // The same text parses to the same tree: a difference here is a bug, not a reason to fail.
    if (now.size() != known->size()) return std::nullopt;
    for (std::size_t i = 0; i < now.size(); ++i) nodes.emplace((*known)[i], now[i]);
    reuse.nodes.emplace(decl, std::move(now));
  }
  ranges.sort();
  auto translate = [&](const void* was) -> const void* {
    auto it = nodes.find(was);
    return it == nodes.end() ? nullptr : it->second;
  };

  // 4. The kept declarations' entries, moved.
  TableMover tables(ranges);
  TypedProgram& kept = reuse.kept.typed;
  for (const auto& [was, list] : last.types->tables) {
    auto now = nowOf.find(was);
    if (now == nowOf.end() || !plan.keptDecls.contains(now->second)) continue;
    std::vector<TableType>& out = kept.tables[now->second];
    for (const TableType& table : list) out.push_back(tables.table(table));
  }
  for (const auto& [was, table] : last.types->inputs) {
    auto now = nowOf.find(was);
    if (now == nowOf.end() || !plan.keptDecls.contains(now->second)) continue;
    kept.inputs.emplace(now->second, tables.table(table));
  }
  for (const auto& [was, shape] : last.types->models) {
    auto now = nowOf.find(was);
    if (now == nowOf.end() || !plan.keptDecls.contains(now->second)) continue;
    kept.models.emplace(now->second, shape);
  }
  for (const auto& [was, table] : last.types->opOutputs) {
    if (const void* now = translate(was)) kept.opOutputs.emplace(static_cast<const ast::PipeOp*>(now), tables.table(table));
  }
  for (const auto& [was, table] : last.types->pipelineInputs) {
    if (const void* now = translate(static_cast<const ast::Expr*>(was))) {
      kept.pipelineInputs.emplace(static_cast<const ast::PipelineExpr*>(static_cast<const ast::Expr*>(now)), tables.table(table));
    }
  }
  for (const auto& [key, table] : last.types->bodyOutputs) {
    const auto& [sites, op] = key;
    // Reported while checking the declaration the first call is written in.
    if (sites.empty() || translate(sites.front()) == nullptr) continue;
    std::vector<const void*> moved;
    moved.reserve(sites.size());
    for (const void* site : sites) {
      const void* now = translate(site);
      if (now == nullptr) return std::nullopt;
      moved.push_back(now);
    }
    const void* movedOp = translate(op);
    if (movedOp == nullptr) return std::nullopt;
    kept.bodyOutputs.emplace(std::make_pair(std::move(moved), static_cast<const ast::PipeOp*>(movedOp)), tables.table(table));
  }
  if (!tables.ok()) return std::nullopt;

  // 5. The last check's diagnostics about kept declarations, moved.
  Places lastPlaces(*last.program);
  for (const diag::Diagnostic& diagnostic : *last.typeDiagnostics) {
    if (diagnostic.kind == diag::Kind::ErrorsLeftOut) return std::nullopt;
    const Decl* about = lastPlaces.declAt(diagnostic.range);
    if (about == nullptr) return std::nullopt;
    auto now = nowOf.find(about);
    if (now == nowOf.end() || !plan.keptDecls.contains(now->second)) continue;
    diag::Diagnostic moved = diagnostic;
    if (!ranges.move(moved.range)) return std::nullopt;
    for (diag::Label& label : moved.labels) {
      if (!ranges.move(label.range)) return std::nullopt;
    }
    plan.lastDiagnostics.push_back(std::move(moved));
  }
  return reuse;
}

}  // namespace weir::sema
