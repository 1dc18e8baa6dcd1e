#include "sema/PositionIndex.h"

#include "ast/Walk.h"
#include "catalog/Builtin.h"

#include <algorithm>
#include <tuple>

namespace weir::sema {

using namespace ast;

source::SourceRange Symbol::columnKey() const {
  if (column != nullptr && column->introduced.valid()) return column->introduced;
  return range;
}

namespace {

bool contains(const source::SourceRange& range, source::FileId file, source::SourceLocation location) {
  if (range.file != file || !range.valid()) return false;
  source::SourceLocation end = range.end.valid() ? range.end : range.begin;
  return range.begin <= location && location <= end;
}

// The schemas a row expression's names are looked up in: the operator's input, then (in a
// `derive`) the columns computed earlier in it.
struct Columns {
  const TableType* first = nullptr;
  const TableType* second = nullptr;
  const ColumnType* find(const std::string& name) const {
    if (first != nullptr) {
      if (const ColumnType* column = first->find(name)) return column;
    }
    if (second != nullptr) return second->find(name);
    return nullptr;
  }
  bool any() const { return first != nullptr || second != nullptr; }
};

class Builder {
 public:
  Builder(const ResolvedNames& names, const TypedProgram& types, PositionIndex& index, std::vector<Symbol>& symbols,
          std::vector<TableScope>& scopes)
      : names_(names), types_(types), symbols_(symbols), scopes_(scopes) {
    (void)index;
  }

  void module(const LoadedModule& module) {
    module_ = &module;
    for (const DeclPtr& decl : module.ast->decls) declaration(*decl);
  }

 private:
  void add(Symbol symbol) {
    if (!symbol.range.valid()) return;
    symbol.owner = owner_;
    symbols_.push_back(std::move(symbol));
  }

  void declRef(const Decl* decl, const Identifier& id) {
    if (decl == nullptr) return;
    Symbol symbol;
    symbol.kind = Symbol::Kind::Declaration;
    symbol.range = id.range;
    symbol.name = id.text;
    symbol.decl = decl;
    if (decl->kind == DeclKind::Import) symbol.module = importedModule(decl);
    add(std::move(symbol));
  }

  const LoadedModule* importedModule(const Decl* decl) const {
    for (const auto& [import, loaded] : module_->imports) {
      if (import == decl) return loaded;
    }
    return nullptr;
  }

  const ImportDecl* importAlias(const std::string& name) const {
    auto scope = names_.scopes.find(module_);
    if (scope == names_.scopes.end()) return nullptr;
    auto it = scope->second.imports.find(name);
    return it == scope->second.imports.end() ? nullptr : it->second;
  }

  void columnRef(const Identifier& id, const ColumnType* column, bool definition) {
    Symbol symbol;
    symbol.kind = Symbol::Kind::Column;
    symbol.range = id.range;
    symbol.name = id.text;
    symbol.column = column;
    symbol.definition = definition;
    add(std::move(symbol));
  }

  void qualifiedRef(const QualifiedName& name) {
    if (name.parts.empty()) return;
    if (name.parts.size() > 1) {
      if (const ImportDecl* import = importAlias(name.parts.front().text)) declRef(import, name.parts.front());
    }
    declRef(findDeclaration(names_, *module_, name), name.parts.back());
  }

  void declaration(const Decl& decl) {
    owner_ = &decl;
    if (decl.kind == DeclKind::Let) {
      for (const Identifier& id : decl.as<LetDecl>().names) definitionOf(decl, id);
    } else if (!(decl.kind == DeclKind::Policy && decl.name.text.empty())) {
      definitionOf(decl, decl.name);
    }
    if (decl.incomplete) return;
    switch (decl.kind) {
      case DeclKind::Pipeline:
      case DeclKind::Import:
        break;
      case DeclKind::Schema:
        for (const ColumnDef& column : decl.as<SchemaDecl>().columns) {
          Symbol symbol;
          symbol.kind = Symbol::Kind::Column;
          symbol.range = column.name.range;
          symbol.name = column.name.text;
          symbol.columnDef = &column;
          symbol.definition = true;
          add(std::move(symbol));
        }
        break;
      case DeclKind::Source: {
        const auto& source = decl.as<SourceDecl>();
        qualifiedRef(source.schema);
        expr(source.reader.get(), {});
        settings(source.settings.get(), {});
        break;
      }
      case DeclKind::Let:
        expr(decl.as<LetDecl>().value.get(), {});
        break;
      case DeclKind::Model: {
        const auto& model = decl.as<ModelDecl>();
        expr(model.trainer.get(), {});
        Columns columns{tableOf(types_.inputs, &decl)};
        if (columns.any() && model.settings) scope(model.settings->range, columns.first, nullptr);
        settings(model.settings.get(), columns);
        break;
      }
      case DeclKind::Metrics: {
        const auto& metrics = decl.as<MetricsDecl>();
        Columns columns{tableOf(types_.inputs, &decl)};
        if (metrics.evaluation && metrics.evaluation->kind == ExprKind::Call) {
          const auto& call = metrics.evaluation->as<CallExpr>();
          expr(call.callee.get(), {});
          // `by = gender` names a column of the table evaluated on; the others declarations.
          for (const Argument& arg : call.args) expr(arg.value.get(), arg.name ? columns : Columns{});
        } else {
          expr(metrics.evaluation.get(), {});
        }
        break;
      }
      case DeclKind::Expect: {
        const auto& expect = decl.as<ExpectDecl>();
        expr(expect.table.get(), {});
        Columns columns{tableOfExpr(expect.table.get())};
        if (columns.any()) scope(decl.range, columns.first, nullptr);
        for (const ExpectRule& rule : expect.rules) expr(rule.condition.get(), columns);
        break;
      }
      case DeclKind::Gate: {
        const auto& gate = decl.as<GateDecl>();
        qualifiedRef(gate.model);
        for (const ExprPtr& condition : gate.conditions) expr(condition.get(), {});
        break;
      }
      case DeclKind::Sink: {
        const auto& sink = decl.as<SinkDecl>();
        expr(sink.table.get(), {});
        expr(sink.writer.get(), {});
        settings(sink.settings.get(), {});
        break;
      }
      case DeclKind::Step: {
        const auto& step = decl.as<StepDecl>();
        qualifiedRef(step.schema);
        expr(step.command.get(), {});
        settings(step.settings.get(), {});
        break;
      }
      case DeclKind::Deploy:
        settings(decl.as<DeployDecl>().settings.get(), {});
        break;
      case DeclKind::Policy:
        settings(decl.as<PolicyDecl>().settings.get(), {});
        break;
      case DeclKind::Trigger:
        for (const TriggerEntry& entry : decl.as<TriggerDecl>().entries) {
          expr(entry.event.get(), {});
          for (const QualifiedName& target : entry.targets) qualifiedRef(target);
        }
        break;
      case DeclKind::Fn:
        expr(decl.as<FnDecl>().body.get(), {});
        break;
      case DeclKind::Transform:
        expr(decl.as<TransformDecl>().body.get(), {});
        break;
      case DeclKind::Rule:
        expr(decl.as<RuleDecl>().body.get(), {});
        break;
    }
  }

  void definitionOf(const Decl& decl, const Identifier& id) {
    Symbol symbol;
    symbol.kind = Symbol::Kind::Declaration;
    symbol.range = id.range;
    symbol.name = id.text;
    symbol.decl = &decl;
    symbol.definition = true;
    if (decl.kind == DeclKind::Import) symbol.module = importedModule(&decl);
    add(std::move(symbol));
  }

  template <typename Map>
  static const TableType* tableOf(const Map& map, const Decl* decl) {
    auto it = map.find(decl);
    return it == map.end() || it->second.error ? nullptr : &it->second;
  }

  // The schema of a table expression named in a declaration (a name, or a pipeline).
  const TableType* tableOfExpr(const Expr* table) const {
    if (table == nullptr) return nullptr;
    if (table->kind == ExprKind::Pipeline) {
      const auto& pipeline = table->as<PipelineExpr>();
      if (pipeline.ops.empty()) return tableOfExpr(pipeline.input.get());
      auto it = types_.opOutputs.find(pipeline.ops.back().get());
      return it == types_.opOutputs.end() ? nullptr : &it->second;
    }
    const Decl* decl = findDeclaration(names_, *module_, *table);
    if (decl == nullptr) return nullptr;
    auto it = types_.tables.find(decl);
    if (it == types_.tables.end() || it->second.empty()) return nullptr;
    std::size_t which = 0;
    if (decl->kind == DeclKind::Let && table->kind == ExprKind::Name) {
      const auto& letNames = decl->as<LetDecl>().names;
      for (std::size_t i = 0; i < letNames.size(); ++i) {
        if (letNames[i].text == table->as<NameExpr>().name.text) which = i;
      }
    }
    return which < it->second.size() ? &it->second[which] : nullptr;
  }

  void settings(const SettingsBlock* block, const Columns& columns) {
    if (block == nullptr) return;
    for (const Setting& setting : block->entries) {
      expr(setting.value.get(), columns);
      settings(setting.block.get(), columns);
    }
  }

  void scope(const source::SourceRange& range, const TableType* input, const TableType* output) {
    scopes_.push_back({range, input, output, owner_});
  }

  void expr(const Expr* e, const Columns& columns) {
    if (e == nullptr) return;
    switch (e->kind) {
      case ExprKind::Name: {
        const Identifier& id = e->as<NameExpr>().name;
        if (const ColumnType* column = columns.find(id.text)) {
          columnRef(id, column, false);
        } else if (const Decl* decl = findDeclaration(names_, *module_, id.text)) {
          declRef(decl, id);
        }
        return;
      }
      case ExprKind::Member: {
        const auto& member = e->as<MemberExpr>();
        if (member.object->kind == ExprKind::Name) {
          const Identifier& object = member.object->as<NameExpr>().name;
          if (const ImportDecl* import = importAlias(object.text)) {
            declRef(import, object);
            declRef(findDeclaration(names_, *module_, *e), member.member);
            return;
          }
        }
        expr(member.object.get(), columns);
        return;
      }
      case ExprKind::Call: {
        const auto& call = e->as<CallExpr>();
        if (call.callee->kind == ExprKind::Name) {
          const Identifier& id = call.callee->as<NameExpr>().name;
          if (const Decl* decl = findDeclaration(names_, *module_, id.text)) {
            declRef(decl, id);
          } else if (catalog::findBuiltin(id.text)) {
            Symbol symbol;
            symbol.kind = Symbol::Kind::Builtin;
            symbol.range = id.range;
            symbol.name = id.text;
            add(std::move(symbol));
          }
        } else {
          expr(call.callee.get(), columns);
        }
        for (const Argument& arg : call.args) expr(arg.value.get(), columns);
        return;
      }
      case ExprKind::Pipeline:
        pipeline(e->as<PipelineExpr>());
        return;
      default:
        forEachChild(*e, [&](const Expr& child) { expr(&child, columns); });
        return;
    }
  }

  const TableType* output(const PipeOp& op) const {
    auto it = types_.opOutputs.find(&op);
    return it == types_.opOutputs.end() || it->second.error ? nullptr : &it->second;
  }

  void pipeline(const PipelineExpr& p) {
    expr(p.input.get(), {});
    const TableType* in = nullptr;
    if (auto it = types_.pipelineInputs.find(&p); it != types_.pipelineInputs.end() && !it->second.error) in = &it->second;
    for (const PipeOpPtr& opPtr : p.ops) {
      const PipeOp& op = *opPtr;
      const TableType* out = output(op);
      scope(op.range, in, out);
      Columns columns{in};
      auto find = [&](const TableType* table, const std::string& name) -> const ColumnType* {
        return table != nullptr ? table->find(name) : nullptr;
      };
      switch (op.kind) {
        case OpKind::Where:
          expr(op.as<WhereOp>().condition.get(), columns);
          break;
        case OpKind::Derive:
        case OpKind::Fill: {
          Columns derived{in, out};
          for (const Assignment& a : op.as<AssignOp>().assignments) {
            expr(a.value.get(), op.kind == OpKind::Derive ? derived : columns);
            if (op.kind == OpKind::Derive) columnRef(a.target, find(out, a.target.text), true);
            else columnRef(a.target, find(in, a.target.text), false);
          }
          break;
        }
        case OpKind::Select:
        case OpKind::Drop:
        case OpKind::Distinct:
          for (const Identifier& id : op.as<ColumnsOp>().columns) columnRef(id, find(in, id.text), false);
          break;
        case OpKind::Rename:
          for (const RenamePair& pair : op.as<RenameOp>().pairs) {
            columnRef(pair.newName, find(out, pair.newName.text), true);
            columnRef(pair.oldName, find(in, pair.oldName.text), false);
          }
          break;
        case OpKind::Join: {
          const auto& join = op.as<JoinOp>();
          expr(join.table.get(), {});
          for (const JoinKey& key : join.keys) {
            columnRef(key.left, find(in, key.left.text), false);
            if (key.right) columnRef(*key.right, find(tableOfExpr(join.table.get()), key.right->text), false);
          }
          if (join.at) {
            columnRef(join.at->left, find(in, join.at->left.text), false);
            if (join.at->right) columnRef(*join.at->right, find(tableOfExpr(join.table.get()), join.at->right->text), false);
          }
          break;
        }
        case OpKind::Window: {
          const auto& window = op.as<WindowOp>();
          for (const Identifier& key : window.partition) columnRef(key, find(in, key.text), false);
          for (const SortKey& key : window.order) columnRef(key.column, find(in, key.column.text), false);
          for (const WindowColumn& c : window.columns) {
            expr(c.value.get(), columns);
            columnRef(c.target, find(out, c.target.text), true);
          }
          break;
        }
        case OpKind::Group: {
          const auto& group = op.as<GroupOp>();
          for (const Identifier& key : group.keys) columnRef(key, find(in, key.text), false);
          for (const Assignment& a : group.aggregates) {
            expr(a.value.get(), columns);
            columnRef(a.target, find(out, a.target.text), true);
          }
          break;
        }
        case OpKind::Sort:
          for (const SortKey& key : op.as<SortOp>().keys) columnRef(key.column, find(in, key.column.text), false);
          break;
        case OpKind::Take:
          expr(op.as<TakeOp>().count.get(), columns);
          break;
        case OpKind::Sample: {
          const auto& sample = op.as<SampleOp>();
          expr(sample.fraction.get(), columns);
          for (const Argument& option : sample.options) expr(option.value.get(), columns);
          break;
        }
        case OpKind::Union:
          expr(op.as<UnionOp>().table.get(), {});
          break;
        case OpKind::Predict: {
          const auto& predict = op.as<PredictOp>();
          qualifiedRef(predict.model);
          columnRef(predict.column, find(out, predict.column.text), true);
          break;
        }
        case OpKind::TransformCall: {
          const auto& call = op.as<TransformCallOp>();
          qualifiedRef(call.callee);
          for (const Argument& arg : call.args) expr(arg.value.get(), columns);
          break;
        }
      }
      in = out;
    }
  }

  const ResolvedNames& names_;
  const TypedProgram& types_;
  std::vector<Symbol>& symbols_;
  std::vector<TableScope>& scopes_;
  const LoadedModule* module_ = nullptr;
  const Decl* owner_ = nullptr;
};

auto orderKey(const source::SourceRange& range) { return std::tuple(range.file, range.begin, range.end); }

}  // namespace

PositionIndex buildPositionIndex(const Program& program, const ResolvedNames& names, const TypedProgram& types) {
  PositionIndex index;
  Builder builder(names, types, index, index.symbols_, index.scopes_);
  for (const auto& module : program.modules) {
    if (!module->ast) continue;
    builder.module(*module);
    for (const DeclPtr& decl : module->ast->decls) index.decls_.push_back(decl.get());
  }
  std::stable_sort(index.symbols_.begin(), index.symbols_.end(),
                   [](const Symbol& a, const Symbol& b) { return orderKey(a.range) < orderKey(b.range); });
  return index;
}

const Symbol* PositionIndex::symbolAt(source::FileId file, source::SourceLocation location) const {
  // The last symbol that begins at or before the location; names do not nest.
  source::SourceRange probe{file, location, location};
  auto it = std::upper_bound(symbols_.begin(), symbols_.end(), probe, [](const source::SourceRange& p, const Symbol& s) {
    return std::tuple(p.file, p.begin) < std::tuple(s.range.file, s.range.begin);
  });
  while (it != symbols_.begin()) {
    --it;
    if (it->range.file != file) break;
    if (contains(it->range, file, location)) return &*it;
    // An earlier symbol on the same spot (a `let`'s names) may still cover it; stop once they
    // end before the line.
    if (it->range.end.line < location.line) break;
  }
  return nullptr;
}

std::vector<const Symbol*> PositionIndex::references(const Symbol& symbol) const {
  std::vector<const Symbol*> found;
  if (symbol.kind == Symbol::Kind::Declaration) {
    for (const Symbol& other : symbols_) {
      if (other.kind == Symbol::Kind::Declaration && other.decl == symbol.decl) found.push_back(&other);
    }
  } else if (symbol.kind == Symbol::Kind::Column) {
    source::SourceRange key = symbol.columnKey();
    for (const Symbol& other : symbols_) {
      if (other.kind == Symbol::Kind::Column && other.columnKey() == key) found.push_back(&other);
    }
  } else {
    for (const Symbol& other : symbols_) {
      if (other.kind == Symbol::Kind::Builtin && other.name == symbol.name) found.push_back(&other);
    }
  }
  return found;
}

const ast::Decl* PositionIndex::declarationAt(source::FileId file, source::SourceLocation location) const {
  for (const ast::Decl* decl : decls_) {
    if (contains(decl->range, file, location)) return decl;
  }
  return nullptr;
}

const TableType* PositionIndex::tableAt(source::FileId file, source::SourceLocation location) const {
  const TableScope* innermost = nullptr;
  for (const TableScope& scope : scopes_) {
    if (!contains(scope.range, file, location)) continue;
    if (innermost == nullptr || innermost->range.begin <= scope.range.begin) innermost = &scope;
  }
  if (innermost != nullptr) return innermost->input;
  // The declaration around the location, else the last one that begins before it (a line
  // being added after its last operator is not in its range yet).
  const ast::Decl* decl = declarationAt(file, location);
  if (decl == nullptr) {
    for (const ast::Decl* candidate : decls_) {
      if (candidate->range.file == file && candidate->range.begin <= location &&
          (decl == nullptr || decl->range.begin <= candidate->range.begin)) {
        decl = candidate;
      }
    }
  }
  const TableScope* before = nullptr;
  for (const TableScope& scope : scopes_) {
    if (scope.owner != decl || decl == nullptr || scope.range.file != file || scope.output == nullptr) continue;
    if (location < scope.range.end) continue;
    if (before == nullptr || before->range.end <= scope.range.end) before = &scope;
  }
  return before != nullptr ? before->output : nullptr;
}

}  // namespace weir::sema
