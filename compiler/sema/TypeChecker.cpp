#include "sema/TypeChecker.h"

#include "ast/Walk.h"
#include "catalog/Builtin.h"
#include "sema/Expansion.h"
#include "support/Suggest.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <set>

namespace weir::sema {

using namespace weir::ast;
using source::SourceRange;

namespace {

// Values a transform, rule or fn body sees for its parameters at one use.
struct Bindings {
  std::map<std::string, TableType> tables;     // `t: table` -> the table passed
  std::map<std::string, std::string> columns;  // `c: column` -> the name of the column passed
  std::map<std::string, Type> values;          // scalar parameters
};

// Where a row expression is typed: the columns in scope and the parameters of the body.
struct RowContext {
  const TableType* table = nullptr;
  const Bindings* bindings = nullptr;
  const LoadedModule* module = nullptr;
  const TableType* ruleTable = nullptr;  // in an `expect` block: passed implicitly to rules
};

// A transform, rule or fn being checked for one call: errors inside point at the call.
struct Instantiation {
  SourceRange call;
  std::string name;
  SourceRange definition;
  const void* site = nullptr;  // the call's operator or expression
  const Decl* decl = nullptr;  // the transform or rule
};

std::string plural(std::size_t n, const char* one, const char* many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

class Checker {
 public:
  Checker(const Program& program, const ResolvedNames& names, diag::DiagnosticEngine& diags)
      : program_(program), names_(names), diags_(diags) {}

  TypedProgram run(diag::DiagnosticEngine& expansionDiags, KeptTypes* kept) {
    for (const auto& module : program_.modules) {
      for (const DeclPtr& decl : module->ast->decls) moduleOf_[decl.get()] = module.get();
    }
    // Rules and transforms are instantiated at each call: those whose expansion is too large are
    // not, nor the tables and expectations holding such calls (reported by the expansion check).
    tooLarge_ = checkExpansions(program_, names_, expansionDiags).tooLarge;
    if (kept != nullptr) typed_ = std::move(kept->typed);
    for (const auto& module : program_.modules) {
      for (const DeclPtr& decl : module->ast->decls) {
        if (kept == nullptr || !kept->declarations.contains(decl.get())) checkDecl(*decl, *module);
      }
    }
    return std::move(typed_);
  }

 private:
  // ---- Diagnostics ----

  template <typename... Args>
  diag::DiagnosticBuilder report(diag::Kind kind, SourceRange range, const Args&... args) {
    if (stack_.empty()) return diags_.report(kind, range, args...);
    auto builder = diags_.report(kind, stack_.front().call, args...);
    for (std::size_t i = stack_.size(); i-- > 0;) {
      const Instantiation& inst = stack_[i];
      builder.label(i + 1 == stack_.size() ? range : stack_[i + 1].call,
                    fmt::format("in `{}`, used here", inst.name));
    }
    builder.label(stack_.back().definition, fmt::format("`{}` is defined here", stack_.back().name));
    return builder;
  }

  // ---- Declarations by reference ----

  const Decl* findDecl(const LoadedModule& module, const std::string& name) const {
    return findDeclaration(names_, module, name);
  }
  const Decl* findDecl(const LoadedModule& module, const Expr& ref) const { return findDeclaration(names_, module, ref); }
  const Decl* findDecl(const LoadedModule& module, const QualifiedName& name) const {
    return findDeclaration(names_, module, name);
  }

  // ---- Schemas ----

  Type typeOf(const TypeRef& ref) {
    static const std::map<std::string, ScalarKind> scalars = {
        {"int", ScalarKind::Int},       {"float", ScalarKind::Float}, {"bool", ScalarKind::Bool},
        {"string", ScalarKind::String}, {"date", ScalarKind::Date},   {"timestamp", ScalarKind::Timestamp}};
    const std::string& name = ref.name.text;
    if (auto it = scalars.find(name); it != scalars.end()) return Type::of(it->second, ref.nullable);
    if (name == "category") {
      std::vector<std::string> levels;
      for (const ExprPtr& arg : ref.args) {
        if (arg->kind != ExprKind::String) {
          report(diag::Kind::InvalidLiteral, arg->range, "this", "category level (levels are strings: `category[\"a\", \"b\"]`)");
          return Type::error();
        }
        levels.push_back(arg->as<StringLiteral>().value);
      }
      return Type::category(std::move(levels), ref.nullable);
    }
    auto builder = report(diag::Kind::UnknownType, ref.name.range, name);
    std::vector<std::string> known = {"int", "float", "bool", "string", "date", "timestamp", "category"};
    std::string suggestion = support::closestMatch(name, known);
    if (name == "integer" || name == "long") suggestion = "int";
    if (name == "double" || name == "number" || name == "real") suggestion = "float";
    if (name == "boolean") suggestion = "bool";
    if (name == "str" || name == "text") suggestion = "string";
    if (!suggestion.empty()) builder.help(fmt::format("did you mean `{}`?", suggestion));
    return Type::error();
  }

  const TableType& schemaTable(const SchemaDecl& schema) {
    if (!stack_.empty()) typed_.bodiesReadDeclarations = true;
    auto it = schemas_.find(&schema);
    if (it != schemas_.end()) return it->second;
    TableType table;
    std::set<std::string> seen;
    for (const ColumnDef& column : schema.columns) {
      ColumnType c{column.name.text, typeOf(column.type)};
      c.declared = column.name.range;
      c.introduced = column.name.range;
      for (const Tag& tag : column.tags) {
        c.key = c.key || tag.name.text == "key";
        c.pii = c.pii || tag.name.text == "pii";
        c.sensitive = c.sensitive || tag.name.text == "sensitive";
        c.eventTime = c.eventTime || tag.name.text == "event_time";
      }
      if (!seen.insert(c.name).second) {
        report(diag::Kind::DuplicateColumn, column.name.range, c.name);
        continue;
      }
      if (c.key && c.type.nullable) {
        // A key identifies its row: it is never null (LANGUAGE.md section 5).
        const Tag* tag = nullptr;
        for (const Tag& t : column.tags) {
          if (t.name.text == "key") tag = &t;
        }
        report(diag::Kind::NullableKey, column.type.range, c.name, c.type.str())
            .label(tag->name.range, "tagged `@key` here")
            .help(fmt::format("a key is never null: declare it `{}`, or drop `@key`", c.type.withNullable(false).str()));
      }
      table.columns.push_back(std::move(c));
    }
    return schemas_.emplace(&schema, std::move(table)).first->second;
  }

  TableType schemaByName(const LoadedModule& module, const QualifiedName& name) {
    const Decl* decl = findDecl(module, name);
    if (decl == nullptr || decl->kind != DeclKind::Schema || decl->incomplete) return errorTable();
    return schemaTable(decl->as<SchemaDecl>());
  }

  static TableType errorTable() {
    TableType t;
    t.error = true;
    return t;
  }

  // ---- Tables produced by declarations ----

  // The schema of the table a declaration names (`which` picks among `let a, b = ...`).
  TableType tableOfDecl(const Decl& decl, const std::string& name) {
    if (decl.incomplete) return errorTable();
    if (!stack_.empty()) typed_.bodiesReadDeclarations = true;
    std::size_t which = 0;
    if (decl.kind == DeclKind::Let) {
      const auto& names = decl.as<LetDecl>().names;
      for (std::size_t i = 0; i < names.size(); ++i) {
        if (names[i].text == name) which = i;
      }
    }
    auto it = typed_.tables.find(&decl);
    if (it == typed_.tables.end()) {
      if (inProgress_.count(&decl)) return errorTable();  // a cycle, reported by the name phase
      inProgress_.insert(&decl);
      computeTables(decl, *moduleOf_.at(&decl));
      inProgress_.erase(&decl);
      it = typed_.tables.find(&decl);
      if (it == typed_.tables.end()) return errorTable();
    }
    return which < it->second.size() ? it->second[which] : errorTable();
  }

  // A source's (or step's) columns are where lineage starts: each is its own origin, and a
  // column tagged @pii or @sensitive taints whatever is computed from it.
  static TableType withOrigins(TableType table, const std::string& declName) {
    for (std::size_t i = 0; i < table.columns.size(); ++i) {
      ColumnType& column = table.columns.edit(i);
      std::string origin = declName + "." + column.name;
      column.origins = {origin};
      if (column.pii) column.piiTaint = Taint{origin, column.declared, {}};
      if (column.sensitive) column.sensitiveTaint = Taint{origin, column.declared, {}};
    }
    return table;
  }

  void computeTables(const Decl& decl, const LoadedModule& module) {
    std::string savedDecl = currentDecl_;
    currentDecl_ = decl.name.text;
    computeTablesOf(decl, module);
    currentDecl_ = savedDecl;
  }

  void computeTablesOf(const Decl& decl, const LoadedModule& module) {
    if (tooLarge_.count(&decl) && (decl.kind == DeclKind::Let || decl.kind == DeclKind::Sink)) {
      std::size_t outputs = decl.kind == DeclKind::Let ? decl.as<LetDecl>().names.size() : 1;
      typed_.tables[&decl] = std::vector<TableType>(outputs, errorTable());
      return;
    }
    switch (decl.kind) {
      case DeclKind::Source:
        typed_.tables[&decl] = {withOrigins(schemaByName(module, decl.as<SourceDecl>().schema), decl.name.text)};
        break;
      case DeclKind::Step:
        typed_.tables[&decl] = {withOrigins(schemaByName(module, decl.as<StepDecl>().schema), decl.name.text)};
        break;
      case DeclKind::Let: {
        const auto& let = decl.as<LetDecl>();
        std::size_t outputs = 1;
        TableType table;
        if (let.value->kind == ExprKind::Call && calleeName(let.value->as<CallExpr>()) == "split") {
          const auto& call = let.value->as<CallExpr>();
          table = typeSplit(call, module, nullptr, outputs);
          if (outputs != let.names.size() && !table.error) {
            report(diag::Kind::SplitCount, let.value->range, plural(outputs - 1, "fraction", "fractions"),
                   plural(outputs, "table", "tables"), plural(let.names.size(), "name is", "names are"));
          }
        } else {
          table = typeTable(*let.value, module, nullptr);
          if (let.names.size() > 1) {
            report(diag::Kind::SplitCount, let.value->range, "no fractions", "1 table",
                   plural(let.names.size(), "name is", "names are"))
                .help("several names take the tables of `split(t, 0.8, ...)`");
          }
        }
        // One copy per name after the first, which takes the table itself.
        std::vector<TableType> tables;
        if (!let.names.empty()) {
          tables.assign(let.names.size() - 1, table);
          tables.push_back(std::move(table));
        }
        typed_.tables[&decl] = std::move(tables);
        break;
      }
      case DeclKind::Sink:
        typed_.tables[&decl] = {typeTable(*decl.as<SinkDecl>().table, module, nullptr)};
        break;
      default:
        break;
    }
  }

  // ---- Table expressions ----


  TableType typeSplit(const CallExpr& call, const LoadedModule& module, const Bindings* bindings, std::size_t& outputs) {
    std::size_t fractions = 0;
    TableType table = errorTable();
    bool first = true;
    RowContext none{nullptr, bindings, &module};
    for (const Argument& arg : call.args) {
      if (arg.name) {
        if (arg.name->text == "stratify") continue;  // a column of the table, checked below
        Type t = typeExpr(*arg.value, none);
        if (arg.name->text == "seed" && !t.isError() && t.kind != ScalarKind::Int) {
          report(diag::Kind::ArgumentType, arg.value->range, "`seed`", "split", "an `int`", t.str());
        }
        continue;
      }
      if (first) {
        table = typeTable(*arg.value, module, bindings);
        first = false;
        continue;
      }
      ++fractions;
      Type t = typeExpr(*arg.value, none);
      if (!t.isError() && !t.isNumeric()) {
        report(diag::Kind::ArgumentType, arg.value->range, fractions + 1, "split", "a fraction between 0 and 1", t.str());
      } else if (arg.value->kind == ExprKind::Float) {
        double f = arg.value->as<FloatLiteral>().value;
        if (f <= 0 || f >= 1) {
          report(diag::Kind::InvalidLiteral, arg.value->range, arg.value->as<FloatLiteral>().spelling,
                 "fraction (it must lie strictly between 0 and 1)");
        }
      }
    }
    for (const Argument& arg : call.args) {
      if (arg.name && arg.name->text == "stratify") columnName(*arg.value, table, bindings);
    }
    outputs = fractions + 1;
    return table;
  }

  // A column named by a plain name (`stratify = defaulted`); empty when it is not one.
  std::string columnName(const Expr& expr, const TableType& table, const Bindings* bindings) {
    if (expr.kind != ExprKind::Name) {
      report(diag::Kind::InvalidLiteral, expr.range, "this", "column name");
      return {};
    }
    return requireColumn(expr.as<NameExpr>().name, table, bindings);
  }

  // Resolves a column name (through column parameters), reporting an unknown one.
  std::string requireColumn(const Identifier& id, const TableType& table, const Bindings* bindings) {
    std::string name = id.text;
    if (bindings != nullptr) {
      if (auto it = bindings->columns.find(name); it != bindings->columns.end()) name = it->second;
    }
    if (table.error || table.find(name) != nullptr) return name;
    auto builder = report(diag::Kind::UnknownColumn, id.range, name);
    std::string suggestion = support::closestMatch(name, table.names());
    if (!suggestion.empty()) builder.help(fmt::format("did you mean `{}`?", suggestion));
    else builder.note(fmt::format("the columns here are {}", listColumns(table)));
    return {};
  }

  static std::string listColumns(const TableType& table) {
    std::string out;
    for (std::size_t i = 0; i < table.columns.size(); ++i) {
      if (i > 0) out += i + 1 == table.columns.size() ? " and " : ", ";
      out += "`" + table.columns[i].name + "`";
      if (i >= 11 && table.columns.size() > 13) {
        out += fmt::format(" and {} more", table.columns.size() - i - 1);
        break;
      }
    }
    return out.empty() ? "none" : out;
  }

  TableType typeTable(const Expr& expr, const LoadedModule& module, const Bindings* bindings) {
    switch (expr.kind) {
      case ExprKind::Name: {
        const std::string& name = expr.as<NameExpr>().name.text;
        if (bindings != nullptr) {
          if (auto it = bindings->tables.find(name); it != bindings->tables.end()) return it->second;
        }
        const Decl* decl = findDecl(module, name);
        return decl != nullptr ? tableOfDecl(*decl, name) : errorTable();
      }
      case ExprKind::Member: {
        const Decl* decl = findDecl(module, expr);
        return decl != nullptr ? tableOfDecl(*decl, expr.as<MemberExpr>().member.text) : errorTable();
      }
      case ExprKind::Pipeline: {
        const auto& pipeline = expr.as<PipelineExpr>();
        TableType table = typeTable(*pipeline.input, module, bindings);
        if (stack_.empty() && !pipeline.ops.empty()) typed_.pipelineInputs[&pipeline] = table;
        for (const PipeOpPtr& op : pipeline.ops) {
          table = applyOp(*op, std::move(table), module, bindings);
          if (stack_.empty()) typed_.opOutputs[op.get()] = table;
          else if (std::vector<const void*> sites = callSites(); !sites.empty()) typed_.bodyOutputs[{sites, op.get()}] = table;
        }
        return table;
      }
      case ExprKind::Call: {
        const auto& call = expr.as<CallExpr>();
        if (calleeName(call) == "split") {
          std::size_t outputs = 0;
          return typeSplit(call, module, bindings, outputs);
        }
        const Decl* decl = findDecl(module, *call.callee);
        if (decl != nullptr && decl->kind == DeclKind::Transform) {
          return instantiateTransform(decl->as<TransformDecl>(), nullptr, call.args, expr.range, module, bindings, &expr);
        }
        // A built-in or a `fn` gives a value; any other callee was reported by the name phase.
        std::string callee = calleeName(call);
        if (decl != nullptr && decl->kind == DeclKind::Fn) {
          report(diag::Kind::NotATable, expr.range, fmt::format("the value of the function `{}`", callee));
        } else if (decl == nullptr && !callee.empty() && catalog::findBuiltin(callee)) {
          report(diag::Kind::NotATable, expr.range, fmt::format("the value of `{}(...)`", callee));
        }
        return errorTable();
      }
      default:
        // A value (`1 + x`, a literal, `if`...): its names were read as a row's, with no row here.
        report(diag::Kind::NotATable, expr.range, "a value")
            .help("a table is a source, a `let`, a pipeline (`t | ...`), `split(...)` or a call of a `transform`");
        return errorTable();
    }
  }

  TableType instantiateTransform(const TransformDecl& transform, const TableType* piped, const std::vector<Argument>& args,
                                 SourceRange callRange, const LoadedModule& module, const Bindings* outer,
                                 const void* site) {
    if (transform.incomplete || tooLarge_.count(&transform)) return errorTable();
    Bindings bindings;
    std::size_t firstParam = piped != nullptr ? 1 : 0;
    if (piped != nullptr) {
      if (transform.params.empty() || transform.params[0].type.name.text != "table") {
        report(diag::Kind::NotATableArgument, callRange, transform.params.empty() ? "(none)" : transform.params[0].name.text,
               transform.name.text)
            .note("a transform used after `|` takes the piped table as its first parameter");
        return errorTable();
      }
      bindings.tables[transform.params[0].name.text] = *piped;
    }
    if (!bindParams(transform.name.text, transform.params, firstParam, args, callRange, module, outer, bindings,
                    piped != nullptr ? piped : nullptr)) {
      return errorTable();
    }
    if (onStack(&transform)) return errorTable();  // a transform calling itself: a cycle, reported by the name phase
    stack_.push_back({callRange, transform.name.text, transform.name.range, site, &transform});
    TableType result = typeTable(*transform.body, *moduleOf_.at(&transform), &bindings);
    stack_.pop_back();
    return result;
  }

  // Binds call arguments to parameters. `rowTable` is the table column arguments name columns of.
  bool bindParams(const std::string& callee, const std::vector<Param>& params, std::size_t firstParam,
                  const std::vector<Argument>& args, SourceRange callRange, const LoadedModule& module,
                  const Bindings* outer, Bindings& bindings, const TableType* rowTable) {
    std::size_t expected = params.size() - std::min(firstParam, params.size());
    if (args.size() != expected) {
      report(diag::Kind::WrongArity, callRange, callee, plural(expected, "argument", "arguments"),
             plural(args.size(), "was", "were"));
      return false;
    }
    bool ok = true;
    for (std::size_t i = 0; i < args.size(); ++i) {
      const Param& param = params[firstParam + i];
      const Expr& value = *args[i].value;
      const std::string& kind = param.type.name.text;
      if (kind == "table") {
        bindings.tables[param.name.text] = typeTable(value, module, outer);
        // Column arguments after a table argument name columns of that table.
        if (rowTable == nullptr) rowTable = &bindings.tables[param.name.text];
      } else if (kind == "column") {
        if (value.kind != ExprKind::Name) {
          report(diag::Kind::ColumnArgument, value.range, param.name.text, callee);
          ok = false;
          continue;
        }
        const TableType empty = errorTable();
        std::string column = requireColumn(value.as<NameExpr>().name, rowTable != nullptr ? *rowTable : empty, outer);
        if (column.empty()) ok = false;
        bindings.columns[param.name.text] = column;
      } else if (kind == "list") {
        RowContext ctx{rowTable, outer, &module};
        typeExpr(value, ctx);
        bindings.values[param.name.text] = Type::of(ScalarKind::List);
      } else {
        RowContext ctx{rowTable, outer, &module};
        Type argType = typeExpr(value, ctx);
        Type paramType = typeOf(param.type);
        checkArgument(argType, paramType, param, callee, value.range);
        bindings.values[param.name.text] = paramType;
      }
    }
    return ok;
  }

  void checkArgument(const Type& arg, const Type& param, const Param& decl, const std::string& callee, SourceRange at) {
    if (isAssignable(arg, param)) return;
    if (arg.nullable && isAssignable(arg.withNullable(false), param)) {
      report(diag::Kind::NullableArgument, at, decl.name.text, callee, param.str())
          .help(fmt::format("give a value for nulls: `coalesce(..., {})`", defaultFor(param)));
      return;
    }
    report(diag::Kind::ArgumentType, at, fmt::format("`{}`", decl.name.text), callee, fmt::format("`{}`", param.str()), arg.str());
  }

  static std::string defaultFor(const Type& t) {
    switch (t.kind) {
      case ScalarKind::Int: return "0";
      case ScalarKind::Float: return "0.0";
      case ScalarKind::Bool: return "false";
      case ScalarKind::String: return "\"\"";
      default: return "...";
    }
  }

  // ---- Operators ----

  TableType applyOp(const PipeOp& op, TableType table, const LoadedModule& module, const Bindings* bindings) {
    RowContext ctx{&table, bindings, &module};
    switch (op.kind) {
      case OpKind::Where: {
        const Expr& condition = *op.as<WhereOp>().condition;
        Type t = typeExpr(condition, ctx);
        requireBool(t, "a `where` condition", condition.range);
        narrowNonNull(condition, table, bindings, module);
        return table;
      }
      case OpKind::Derive: {
        std::map<std::string, SourceRange> assigned;  // in this derive
        for (const Assignment& a : op.as<AssignOp>().assignments) {
          RowContext current{&table, bindings, &module};
          Type t = typeExpr(*a.value, current);
          std::string name = targetName(a.target, bindings);
          if (auto [it, inserted] = assigned.emplace(name, a.target.range); !inserted) {
            report(diag::Kind::AssignedTwice, a.target.range, name)
                .label(it->second, "first assigned here")
                .help(fmt::format("give one of them another name, or compute `{}` in a `derive` of its own", name));
            continue;
          }
          ColumnType computed{name, t};
          computed.introduced = a.target.range;
          deriveLineage(computed, *a.value, table, bindings, a.range, fmt::format("`{}` is computed from it", name));
          if (std::size_t existing = table.position(name); existing < table.columns.size()) {
            table.columns.set(existing, std::move(computed));
          } else {
            table.columns.push_back(std::move(computed));
          }
        }
        return table;
      }
      case OpKind::Fill: {
        for (const Assignment& a : op.as<AssignOp>().assignments) {
          std::string name = requireColumn(a.target, table, bindings);
          RowContext current{&table, bindings, &module};
          Type t = typeExpr(*a.value, current);
          ColumnType* column = table.edit(name);
          if (column == nullptr) continue;
          // A category is filled with one of its levels, written as a string (as `==` takes it).
          bool level = column->type.kind == ScalarKind::Category && t.kind == ScalarKind::String && a.value->kind == ExprKind::String;
          if (level) {
            if (!checkLevel(column->type, *a.value)) continue;
          } else if (!isAssignable(t, column->type.withNullable(true))) {
            report(diag::Kind::ValueDoesNotFit, a.value->range, "the value for", name, t.str(), column->type.str());
            continue;
          }
          if (!t.isError()) column->type = column->type.withNullable(t.nullable);
          ColumnType filled = *column;
          deriveLineage(filled, *a.value, table, bindings, a.range, fmt::format("`{}` is filled from it", name));
          mergeLineage(*column, filled);
        }
        return table;
      }
      case OpKind::Select: {
        TableType out;
        out.error = table.error;
        for (const Identifier& id : op.as<ColumnsOp>().columns) {
          std::string name = requireColumn(id, table, bindings);
          if (name.empty()) {
            out.error = true;  // the result's columns are unknown: no follow-on errors
            continue;
          }
          if (out.find(name) != nullptr) {
            report(diag::Kind::DuplicateColumn, id.range, name);
            continue;
          }
          if (std::size_t i = table.position(name); i < table.columns.size()) out.columns.pushShared(table.columns, i);
        }
        return out;
      }
      case OpKind::Drop: {
        for (const Identifier& id : op.as<ColumnsOp>().columns) {
          std::string name = requireColumn(id, table, bindings);
          table.columns.eraseIf([&](const ColumnType& c) { return c.name == name; });
        }
        return table;
      }
      case OpKind::Distinct:
      case OpKind::Sort: {
        if (op.kind == OpKind::Distinct) {
          for (const Identifier& id : op.as<ColumnsOp>().columns) requireColumn(id, table, bindings);
        } else {
          for (const SortKey& key : op.as<SortOp>().keys) requireColumn(key.column, table, bindings);
        }
        return table;
      }
      case OpKind::Rename: {
        for (const RenamePair& pair : op.as<RenameOp>().pairs) {
          std::string from = requireColumn(pair.oldName, table, bindings);
          std::string to = targetName(pair.newName, bindings);
          if (table.find(from) == nullptr) continue;
          if (to != from && table.find(to) != nullptr) {
            report(diag::Kind::DuplicateColumn, pair.newName.range, to).help("drop or rename the existing column first");
            continue;
          }
          ColumnType* column = table.edit(from);
          column->name = to;
          column->introduced = pair.newName.range;
          addHop(*column, pair.range, fmt::format("renamed to `{}`", to));
        }
        return table;
      }
      case OpKind::Join: return applyJoin(op.as<JoinOp>(), std::move(table), module, bindings);
      case OpKind::Window: return applyWindow(op.as<WindowOp>(), std::move(table), module, bindings);
      case OpKind::Group: {
        const auto& group = op.as<GroupOp>();
        TableType out;
        out.error = table.error;
        for (const Identifier& key : group.keys) {
          std::string name = requireColumn(key, table, bindings);
          if (std::size_t i = table.position(name); i < table.columns.size()) out.columns.pushShared(table.columns, i);
          else out.error = true;
        }
        for (const Assignment& a : group.aggregates) {
          Type t = typeExpr(*a.value, ctx);
          if (!t.isError() && !usesAggregate(*a.value, ctx)) {
            report(diag::Kind::NotAnAggregate, a.value->range, a.target.text);
          }
          std::string name = targetName(a.target, bindings);
          if (out.find(name) != nullptr) {
            report(diag::Kind::DuplicateColumn, a.target.range, name);
            continue;
          }
          // Without keys, the one row exists over an empty table too, where every aggregate but
          // a count or a sum has no value.
          std::string callee = calleeName(*a.value);
          if (group.keys.empty() && !t.isError() && callee != "count" && callee != "count_distinct" && callee != "sum") {
            t = t.withNullable(true);
          }
          ColumnType aggregate{name, t};
          aggregate.introduced = a.target.range;
          deriveLineage(aggregate, *a.value, table, bindings, a.range, fmt::format("aggregated into `{}`", name));
          out.columns.push_back(std::move(aggregate));
        }
        return out;
      }
      case OpKind::Take: {
        const Expr& count = *op.as<TakeOp>().count;
        Type t = typeExpr(count, ctx);
        if (!t.isError() && (t.kind != ScalarKind::Int || t.nullable)) {
          report(diag::Kind::ArgumentType, count.range, 1, "take", "an `int`", t.str());
        } else if (count.kind == ExprKind::Int && count.as<IntLiteral>().value < 0) {
          report(diag::Kind::InvalidLiteral, count.range, count.as<IntLiteral>().spelling, "row count (it must not be negative)");
        }
        return table;
      }
      case OpKind::Sample: {
        const auto& sample = op.as<SampleOp>();
        Type t = typeExpr(*sample.fraction, ctx);
        if (!t.isError() && !t.isNumeric()) {
          report(diag::Kind::ArgumentType, sample.fraction->range, 1, "sample", "a fraction between 0 and 1", t.str());
        }
        for (const Argument& option : sample.options) {
          Type o = typeExpr(*option.value, ctx);
          if (option.name->text == "stratify") {
            // The fraction is taken within each value of this column.
            if (option.value->kind != ExprKind::Name && !o.isError()) {
              report(diag::Kind::ArgumentType, option.value->range, "`stratify`", "sample", "a column of the table", o.str());
            }
          } else if (option.name->text != "seed") {
            report(diag::Kind::ArgumentType, option.range, fmt::format("`{}`", option.name->text), "sample",
                   "`seed` or `stratify`", o.str());
          } else if (!o.isError() && o.kind != ScalarKind::Int) {
            report(diag::Kind::ArgumentType, option.value->range, "`seed`", "sample", "an `int`", o.str());
          }
        }
        return table;
      }
      case OpKind::Union: {
        const auto& u = op.as<UnionOp>();
        TableType other = typeTable(*u.table, module, bindings);
        if (table.error || other.error) {
          table.error = true;
          return table;
        }
        std::string problem;
        if (table.columns.size() != other.columns.size()) {
          problem = fmt::format("this side has {}, the other {}", plural(table.columns.size(), "column", "columns"),
                                plural(other.columns.size(), "column", "columns"));
        }
        for (std::size_t i = 0; problem.empty() && i < table.columns.size(); ++i) {
          ColumnType& mine = table.columns.edit(i);
          const ColumnType* theirs = other.find(mine.name);
          if (theirs == nullptr) {
            problem = fmt::format("`{}` is missing from the other table", mine.name);
            break;
          }
          Type common = commonType(mine.type, theirs->type);
          if (common.isError() && !mine.type.isError() && !theirs->type.isError()) {
            problem = fmt::format("`{}` is `{}` here but `{}` there", mine.name, mine.type.str(), theirs->type.str());
            break;
          }
          mine.type = common;
          mergeLineage(mine, *theirs);
        }
        if (!problem.empty()) report(diag::Kind::UnionMismatch, u.table->range, problem);
        return table;
      }
      case OpKind::Predict: {
        const auto& predict = op.as<PredictOp>();
        std::string name = targetName(predict.column, bindings);
        if (table.find(name) != nullptr) {
          report(diag::Kind::DuplicateColumn, predict.column.range, name);
          return table;
        }
        ColumnType prediction{name, typePredict(predict, table, module)};
        prediction.origins = {"model " + predict.model.text()};
        prediction.introduced = predict.column.range;
        table.columns.push_back(std::move(prediction));
        return table;
      }
      case OpKind::TransformCall: {
        const auto& call = op.as<TransformCallOp>();
        const Decl* decl = findDecl(module, call.callee);
        if (decl == nullptr || decl->kind != DeclKind::Transform) return errorTable();
        return instantiateTransform(decl->as<TransformDecl>(), &table, call.args, op.range, module, bindings, &op);
      }
    }
    return table;
  }

  // `window by k order t { c = f }` (LANGUAGE.md section 6): the input's columns, then one per
  // window column. A column's lineage is its arguments' and the order columns' (which rows it
  // sees depends on them); partition columns, like group keys, are not origins.
  TableType applyWindow(const WindowOp& window, TableType table, const LoadedModule& module, const Bindings* bindings) {
    const ColumnType* firstOrder = nullptr;
    std::vector<std::string> orderColumns;
    for (const Identifier& key : window.partition) requireColumn(key, table, bindings);
    for (const SortKey& key : window.order) {
      std::string name = requireColumn(key.column, table, bindings);
      if (name.empty()) continue;
      orderColumns.push_back(name);
      if (&key == &window.order.front()) firstOrder = table.find(name);
    }
    TableType out = table;
    std::map<std::string, SourceRange> assigned;
    for (const WindowColumn& c : window.columns) {
      RowContext ctx{&table, bindings, &module};
      Type t = typeWindowColumn(c, window, ctx, firstOrder);
      std::string name = targetName(c.target, bindings);
      if (auto [it, inserted] = assigned.emplace(name, c.target.range); !inserted || table.find(name) != nullptr) {
        auto builder = report(diag::Kind::DuplicateColumn, c.target.range, name);
        if (!inserted) builder.label(it->second, "first assigned here");
        continue;
      }
      ColumnType computed{name, t};
      computed.introduced = c.target.range;
      std::string what = fmt::format("`{}` is computed from it by a window", name);
      deriveLineage(computed, *c.value, table, bindings, c.range, what);
      for (const std::string& order : orderColumns) {
        if (const ColumnType* column = table.find(order)) mergeLineage(computed, *column);
      }
      out.columns.push_back(std::move(computed));
    }
    return out;
  }

  Type typeWindowColumn(const WindowColumn& c, const WindowOp& window, const RowContext& ctx, const ColumnType* firstOrder) {
    const Expr& value = *c.value;
    std::string callee = calleeName(value);
    std::optional<catalog::BuiltinId> id = callee.empty() ? std::nullopt : catalog::findBuiltin(callee);
    std::size_t arity = value.kind == ExprKind::Call ? value.as<CallExpr>().args.size() : 0;
    bool windowFunction = id && catalog::builtin(*id).kind == catalog::BuiltinKind::Window;
    if (!windowFunction && !(id && catalog::isAggregateCall(*id, arity))) {
      if (value.kind == ExprKind::Error) return Type::error();
      // An unknown function was reported by the name resolver.
      if (value.kind == ExprKind::Call && !id &&
          (ctx.module == nullptr || findDecl(*ctx.module, *value.as<CallExpr>().callee) == nullptr)) {
        return Type::error();
      }
      report(diag::Kind::NotAWindowFunction, value.range, c.target.text)
          .help("a `window` column is `lag(x)`, `lead(x)`, `row_number()`, `rank()` or an aggregate with a frame, "
                "`mean(x) over 3 rows`; compute other values in a `derive` after the window");
      return Type::error();
    }
    const auto& call = value.as<CallExpr>();
    if (windowFunction) {
      const catalog::BuiltinInfo& info = catalog::builtin(*id);
      if (c.frame != WindowFrame::None) {
        report(diag::Kind::WindowFrame, c.frameSize->range, fmt::format("`{}` takes no frame", callee))
            .help("frames (`over 3 rows`, `over 7d`) are for aggregates");
      }
      if (arity < info.minArgs || arity > info.maxArgs) {
        std::string takes = info.minArgs == info.maxArgs ? plural(info.minArgs, "argument", "arguments")
                                                         : fmt::format("{} to {} arguments", info.minArgs, info.maxArgs);
        report(diag::Kind::WrongArity, value.range, callee, takes, plural(arity, "was", "were"));
        return Type::error();
      }
      if (*id == catalog::BuiltinId::RowNumber || *id == catalog::BuiltinId::Rank) return Type::of(ScalarKind::Int);
      Type t = typeExpr(*call.args[0].value, ctx);
      if (arity == 2) {
        const Expr& offset = *call.args[1].value;
        if (offset.kind != ExprKind::Int || offset.as<IntLiteral>().value < 1) {
          report(diag::Kind::WindowFrame, offset.range, fmt::format("the offset of `{}` must be an integer literal of at least 1", callee));
        }
      }
      return t.isError() ? t : t.withNullable(true);
    }
    Type t = typeExpr(value, ctx);
    switch (c.frame) {
      case WindowFrame::None:
        report(diag::Kind::WindowFrame, value.range, fmt::format("`{}` in a `window` needs a frame", callee))
            .help(fmt::format("write `{0}(...) over 3 rows` (this row and the 2 before it) or `{0}(...) over 7d` (the 7 days ending at this row)",
                              callee));
        return Type::error();
      case WindowFrame::Rows:
        if (c.frameSize->as<IntLiteral>().value < 1) {
          report(diag::Kind::WindowFrame, c.frameSize->range, "a frame of 0 rows holds no row: it must be at least 1");
          return Type::error();
        }
        break;
      case WindowFrame::Time: {
        if (c.frameSize->as<DurationLiteral>().amount < 1) {
          report(diag::Kind::WindowFrame, c.frameSize->range, "a time frame must be longer than nothing");
          return Type::error();
        }
        if (firstOrder == nullptr) return Type::error();  // reported
        const SortKey& key = window.order.front();
        if (firstOrder->type.kind != ScalarKind::Date && firstOrder->type.kind != ScalarKind::Timestamp) {
          if (!firstOrder->type.isError()) {
            report(diag::Kind::WindowFrame, c.frameSize->range,
                   fmt::format("a time frame needs a `date` or `timestamp` order column, but `{}` is `{}`", firstOrder->name,
                               firstOrder->type.str()))
                .label(key.range, "the first order column");
          }
          return Type::error();
        }
        if (key.descending) {
          report(diag::Kind::WindowFrame, c.frameSize->range, fmt::format("a time frame needs `{}` in ascending order", firstOrder->name))
              .label(key.range, "ordered descending here");
          return Type::error();
        }
        break;
      }
    }
    if (t.isError()) return t;
    // The frame always holds this row, so a count or a sum has a value; any other aggregate may
    // have none (only nulls in the frame, `std` of one value).
    if (*id == catalog::BuiltinId::Count || *id == catalog::BuiltinId::CountDistinct || *id == catalog::BuiltinId::Sum) return t;
    return t.withNullable(true);
  }

  // `join asof t ... at c [= c2] [within d]`: `c` and `c2` compare (both temporal, or both
  // numbers); `within` is a positive duration over temporal columns. A right `at` column of the
  // left one's name appears once, as a key does.
  void checkAsofTime(const JoinOp& join, const TableType& left, const TableType& right, const Bindings* bindings,
                     std::set<std::string>& rightKeys) {
    const JoinKey& at = *join.at;
    std::string l = requireColumn(at.left, left, bindings);
    std::string r = requireColumn(at.right ? *at.right : at.left, right, bindings);
    const ColumnType* lc = left.find(l);
    const ColumnType* rc = right.find(r);
    if (l == r && rc != nullptr) rightKeys.insert(r);
    if (lc == nullptr || rc == nullptr || lc->type.isError() || rc->type.isError()) return;
    auto temporal = [](const Type& t) { return t.kind == ScalarKind::Date || t.kind == ScalarKind::Timestamp; };
    bool fits = (temporal(lc->type) && temporal(rc->type)) || (lc->type.isNumeric() && rc->type.isNumeric());
    if (!fits) {
      report(diag::Kind::AsofTime, at.range,
             fmt::format("`at {}` compares `{}` with `{}`, a `{}` with a `{}`", l + (at.right ? " = " + r : ""), l, r, lc->type.str(),
                         rc->type.str()))
          .note("an as-of join's times are both `date` or `timestamp`, or both numbers");
      return;
    }
    if (join.within) {
      const Expr& within = *join.within;
      if (within.kind != ExprKind::Duration || within.as<DurationLiteral>().amount < 1) {
        report(diag::Kind::AsofTime, within.range, "`within` takes a duration longer than nothing, such as `30d`");
      } else if (!temporal(lc->type)) {
        report(diag::Kind::AsofTime, within.range, fmt::format("`within` takes a duration, but `{}` is `{}`", l, lc->type.str()));
      }
    }
  }

  TableType applyJoin(const JoinOp& join, TableType left, const LoadedModule& module, const Bindings* bindings) {
    TableType right = typeTable(*join.table, module, bindings);
    if (left.error || right.error) {
      left.error = true;
      return left;
    }
    std::set<std::string> rightKeys;
    for (const JoinKey& key : join.keys) {
      std::string l = requireColumn(key.left, left, bindings);
      std::string r = requireColumn(key.right ? *key.right : key.left, right, bindings);
      const ColumnType* lc = left.find(l);
      const ColumnType* rc = right.find(r);
      if (lc == nullptr || rc == nullptr) continue;
      if (commonType(lc->type, rc->type).isError() && !lc->type.isError() && !rc->type.isError()) {
        report(diag::Kind::JoinKeyTypes, key.range, l, lc->type.str(), rc->type.str());
      }
      if (l == r) rightKeys.insert(r);
    }
    if (join.at) checkAsofTime(join, left, right, bindings, rightKeys);
    // A plain join of a table with an @event_time column into one with one too may match rows
    // later than the left row's event time; an as-of join matches none.
    auto eventTimeOf = [](const TableType& t) -> const ColumnType* {
      auto it = std::find_if(t.columns.begin(), t.columns.end(), [](const ColumnType& c) { return c.eventTime; });
      return it == t.columns.end() ? nullptr : &*it;
    };
    const ColumnType* rightTime = join.joinKind == JoinKind::AsOf ? nullptr : eventTimeOf(right);
    const ColumnType* leftTime = eventTimeOf(left);
    for (const ColumnType& column : right.columns) {
      if (rightKeys.count(column.name)) continue;  // the key appears once, from the left
      if (left.find(column.name) != nullptr) {
        report(diag::Kind::JoinColumnClash, join.table->range, column.name)
            .help(fmt::format("rename it on one side first, e.g. `(... | rename {0}_right = {0})`", column.name));
        continue;
      }
      ColumnType added = column;
      if (join.joinKind != JoinKind::Inner) added.type = added.type.withNullable(true);
      if (rightTime != nullptr && leftTime != nullptr && !added.futureTaint) {
        std::string origin = rightTime->origins.empty() ? rightTime->name : rightTime->origins.front();
        added.futureTaint = Taint{origin, rightTime->declared, {}};
      }
      addHop(added, join.range, fmt::format("`{}` is joined in{}", column.name, currentDecl_.empty() ? "" : " by `" + currentDecl_ + "`"));
      left.columns.push_back(std::move(added));
    }
    return left;
  }

  // A row whose condition is null is dropped, so after `where` a column is no longer nullable
  // when the condition can only be true where the column is not null: a fact of the condition.
  void narrowNonNull(const Expr& condition, TableType& table, const Bindings* bindings, const LoadedModule& module) {
    std::set<std::string> columns;
    nonNullWhen(condition, true, bindings, module, columns);
    for (const std::string& name : columns) {
      const ColumnType* column = table.find(name);
      if (column != nullptr && column->type.nullable) table.edit(name)->type.nullable = false;
    }
  }

  // The columns that are not null in every row where `condition` is `truth` (not null): those
  // that make the condition null when they are (`strictColumns`), and through `and`, `or` and
  // `not`: `a and b` true needs both true, `a or b` true only one (so only what both sides
  // establish holds), `not a` true needs `a` false; `c is null` false and `c is not null` true
  // need `c` not null.
  void nonNullWhen(const Expr& condition, bool truth, const Bindings* bindings, const LoadedModule& module,
                   std::set<std::string>& out) {
    if (condition.kind == ExprKind::Binary) {
      const auto& b = condition.as<BinaryExpr>();
      if (b.op == BinaryOp::And || b.op == BinaryOp::Or) {
        if ((b.op == BinaryOp::And) == truth) {
          nonNullWhen(*b.lhs, truth, bindings, module, out);
          nonNullWhen(*b.rhs, truth, bindings, module, out);
        } else {
          std::set<std::string> left, right;
          nonNullWhen(*b.lhs, truth, bindings, module, left);
          nonNullWhen(*b.rhs, truth, bindings, module, right);
          for (const std::string& name : left) {
            if (right.count(name)) out.insert(name);
          }
        }
        return;
      }
    }
    if (condition.kind == ExprKind::Unary && condition.as<UnaryExpr>().op == UnaryOp::Not) {
      nonNullWhen(*condition.as<UnaryExpr>().operand, !truth, bindings, module, out);
      return;
    }
    if (condition.kind == ExprKind::IsNull) {
      const auto& n = condition.as<IsNullExpr>();
      if (n.negated == truth) strictColumns(*n.value, bindings, module, out);
      return;
    }
    strictColumns(condition, bindings, module, out);
  }

  // The columns whose null makes `e` null, row by row: a column itself, operands of arithmetic
  // and comparisons, the value compared by `between` and `in`, and the arguments of a built-in
  // that is null when they are (its catalog entry's null rule; not an aggregate, which ranges
  // over the table). `and`/`or` are three-valued and `if`, `case`, `is null` and user functions
  // are not followed: they may give a value for a null.
  void strictColumns(const Expr& e, const Bindings* bindings, const LoadedModule& module, std::set<std::string>& out) {
    switch (e.kind) {
      case ExprKind::Name: {
        const std::string& name = e.as<NameExpr>().name.text;
        if (bindings != nullptr && bindings->values.count(name)) return;  // a value parameter, not a column
        out.insert(targetName(e.as<NameExpr>().name, bindings));
        return;
      }
      case ExprKind::Unary: strictColumns(*e.as<UnaryExpr>().operand, bindings, module, out); return;
      case ExprKind::Binary: {
        const auto& b = e.as<BinaryExpr>();
        if (b.op == BinaryOp::And || b.op == BinaryOp::Or) return;
        strictColumns(*b.lhs, bindings, module, out);
        strictColumns(*b.rhs, bindings, module, out);
        return;
      }
      case ExprKind::Between: strictColumns(*e.as<BetweenExpr>().value, bindings, module, out); return;
      case ExprKind::In: strictColumns(*e.as<InExpr>().value, bindings, module, out); return;
      case ExprKind::Call: {
        const auto& call = e.as<CallExpr>();
        if (call.callee->kind != ExprKind::Name || findDecl(module, *call.callee) != nullptr) return;
        std::optional<catalog::BuiltinId> id = catalog::findBuiltin(call.callee->as<NameExpr>().name.text);
        if (!id || !catalog::builtin(*id).rowValue() || catalog::isAggregateCall(*id, call.args.size())) return;
        std::size_t strict = 0;
        switch (catalog::builtin(*id).nulls) {
          case catalog::NullRule::Any:
          case catalog::NullRule::Domain: strict = call.args.size(); break;
          case catalog::NullRule::First:
          case catalog::NullRule::Unparsable: strict = 1; break;
          case catalog::NullRule::All:
          case catalog::NullRule::Never: strict = 0; break;
        }
        for (std::size_t i = 0; i < strict && i < call.args.size(); ++i) {
          if (!call.args[i].name) strictColumns(*call.args[i].value, bindings, module, out);
        }
        return;
      }
      default: return;
    }
  }

  // ---- Column-level lineage ----

  // The columns of `table` that `expr` reads.
  void referencedColumns(const Expr& expr, const TableType& table, const Bindings* bindings,
                         std::vector<const ColumnType*>& out) const {
    switch (expr.kind) {
      case ExprKind::Name: {
        const std::string& text = expr.as<NameExpr>().name.text;
        if (bindings != nullptr && bindings->values.count(text)) return;
        if (const ColumnType* column = table.find(targetName(expr.as<NameExpr>().name, bindings))) {
          if (std::find(out.begin(), out.end(), column) == out.end()) out.push_back(column);
        }
        return;
      }
      case ExprKind::Member: return;
      case ExprKind::Call:  // the callee is a function: only the arguments are read
        for (const Argument& arg : expr.as<CallExpr>().args) referencedColumns(*arg.value, table, bindings, out);
        return;
      default:
        forEachChild(expr, [&](const Expr& child) { referencedColumns(child, table, bindings, out); });
    }
  }

  // A column computed from `expr` inherits the lineage and taints of every column it reads.
  void deriveLineage(ColumnType& column, const Expr& expr, const TableType& table, const Bindings* bindings,
                     SourceRange at, const std::string& what) const {
    std::vector<const ColumnType*> inputs;
    referencedColumns(expr, table, bindings, inputs);
    column.origins.clear();
    column.piiTaint.reset();
    column.sensitiveTaint.reset();
    column.futureTaint.reset();
    for (const ColumnType* input : inputs) mergeLineage(column, *input);
    std::string where = currentDecl_.empty() ? what : what + " in `" + currentDecl_ + "`";
    addHop(column, at, where);
  }

  static void mergeLineage(ColumnType& into, const ColumnType& from) {
    for (const std::string& origin : from.origins) {
      auto it = std::lower_bound(into.origins.begin(), into.origins.end(), origin);
      if (it == into.origins.end() || *it != origin) into.origins.insert(it, origin);
    }
    if (!into.piiTaint && from.piiTaint) into.piiTaint = from.piiTaint;
    if (!into.futureTaint && from.futureTaint) into.futureTaint = from.futureTaint;
    if (!into.sensitiveTaint && from.sensitiveTaint) into.sensitiveTaint = from.sensitiveTaint;
  }

  static void addHop(ColumnType& column, SourceRange at, const std::string& what) {
    for (std::optional<Taint>* taint : {&column.piiTaint, &column.sensitiveTaint, &column.futureTaint}) {
      if (*taint && (*taint)->path.size() < 32) (*taint)->path.push_back({at, what});
    }
  }

  static std::string targetName(const Identifier& id, const Bindings* bindings) {
    if (bindings != nullptr) {
      if (auto it = bindings->columns.find(id.text); it != bindings->columns.end()) return it->second;
    }
    return id.text;
  }

  // Whether every column reference of `expr` is inside an aggregate (so it has one value per group).
  bool usesAggregate(const Expr& expr, const RowContext& ctx) const {
    switch (expr.kind) {
      case ExprKind::Call: {
        const auto& call = expr.as<CallExpr>();
        if (catalog::isAggregateCall(calleeName(call), call.args.size())) return true;
        for (const Argument& arg : call.args) {
          if (!usesAggregate(*arg.value, ctx)) return false;
        }
        return true;
      }
      case ExprKind::Name: {
        const std::string& name = expr.as<NameExpr>().name.text;
        return ctx.bindings != nullptr && ctx.bindings->values.count(name) > 0;
      }
      case ExprKind::Binary:
        return usesAggregate(*expr.as<BinaryExpr>().lhs, ctx) && usesAggregate(*expr.as<BinaryExpr>().rhs, ctx);
      case ExprKind::Unary: return usesAggregate(*expr.as<UnaryExpr>().operand, ctx);
      default: return true;  // literals and the rest
    }
  }

  void requireBool(const Type& t, const char* what, SourceRange at) {
    if (t.isError() || t.kind == ScalarKind::Bool) return;
    report(diag::Kind::ConditionNotBool, at, what, t.str());
  }

  // ---- Expressions ----

  Type typeName(const Identifier& id, const RowContext& ctx) {
    if (ctx.bindings != nullptr) {
      if (auto it = ctx.bindings->values.find(id.text); it != ctx.bindings->values.end()) return it->second;
    }
    if (ctx.table == nullptr) {
      report(diag::Kind::UnknownColumn, id.range, id.text).note("there is no table here, only parameters");
      return Type::error();
    }
    // Found directly in the common case; requireColumn reports a name that is not there.
    const std::string* name = &id.text;
    if (ctx.bindings != nullptr) {
      if (auto it = ctx.bindings->columns.find(id.text); it != ctx.bindings->columns.end()) name = &it->second;
    }
    if (const ColumnType* column = ctx.table->find(*name)) return column->type;
    requireColumn(id, *ctx.table, ctx.bindings);
    return Type::error();
  }

  Type typeExpr(const Expr& expr, const RowContext& ctx) {
    switch (expr.kind) {
      case ExprKind::Int: return Type::of(ScalarKind::Int);
      case ExprKind::Float: return Type::of(ScalarKind::Float);
      case ExprKind::String: return Type::of(ScalarKind::String);
      case ExprKind::Bool: return Type::of(ScalarKind::Bool);
      case ExprKind::Null: return Type::of(ScalarKind::Null, true);
      case ExprKind::Duration: return Type::of(ScalarKind::Duration);
      case ExprKind::Error: return Type::error();
      case ExprKind::Name: return typeName(expr.as<NameExpr>().name, ctx);
      case ExprKind::Member: return Type::error();  // metrics and qualified values: later phases
      case ExprKind::Unary: {
        const auto& u = expr.as<UnaryExpr>();
        Type t = typeExpr(*u.operand, ctx);
        if (t.isError()) return t;
        if (u.op == UnaryOp::Not) {
          if (t.kind != ScalarKind::Bool) report(diag::Kind::UnaryOperandType, expr.range, "not", t.str());
          return Type::of(ScalarKind::Bool, t.nullable);
        }
        if (!t.isNumeric()) {
          report(diag::Kind::UnaryOperandType, expr.range, "-", t.str());
          return Type::error();
        }
        return t;
      }
      case ExprKind::Binary: return typeBinary(expr.as<BinaryExpr>(), ctx);
      case ExprKind::In: {
        const auto& in = expr.as<InExpr>();
        Type value = typeExpr(*in.value, ctx);
        for (const ExprPtr& item : in.set) {
          Type t = typeExpr(*item, ctx);
          checkComparable(value, t, *in.value, *item, expr.range, "in");
        }
        if (in.setName) typeExpr(*in.setName, ctx);
        return Type::of(ScalarKind::Bool, value.nullable);
      }
      case ExprKind::Between: {
        const auto& b = expr.as<BetweenExpr>();
        Type value = typeExpr(*b.value, ctx);
        Type low = typeExpr(*b.low, ctx);
        Type high = typeExpr(*b.high, ctx);
        checkOrdered(value, low, expr.range, "between");
        checkOrdered(value, high, expr.range, "between");
        return Type::of(ScalarKind::Bool, value.nullable || low.nullable || high.nullable);
      }
      case ExprKind::IsNull:
        typeExpr(*expr.as<IsNullExpr>().value, ctx);
        return Type::of(ScalarKind::Bool);
      case ExprKind::If: {
        const auto& i = expr.as<IfExpr>();
        Type c = typeExpr(*i.condition, ctx);
        requireBool(c, "an `if` condition", i.condition->range);
        return branches("if", typeExpr(*i.thenValue, ctx), typeExpr(*i.elseValue, ctx), expr.range);
      }
      case ExprKind::Case: {
        const auto& c = expr.as<CaseExpr>();
        Type result = Type::of(ScalarKind::Null, true);
        bool first = true;
        for (const auto& when : c.whens) {
          requireBool(typeExpr(*when.condition, ctx), "a `when` condition", when.condition->range);
          Type v = typeExpr(*when.value, ctx);
          result = first ? v : branches("case", result, v, when.value->range);
          first = false;
        }
        if (c.elseValue) return branches("case", result, typeExpr(*c.elseValue, ctx), c.elseValue->range);
        return result.withNullable(true);  // no `else`: rows matching no `when` are null
      }
      case ExprKind::List: {
        Type element = Type::of(ScalarKind::Null, true);
        bool first = true;
        for (const ExprPtr& item : expr.as<ListExpr>().items) {
          Type t = typeExpr(*item, ctx);
          element = first ? t : commonType(element, t);
          first = false;
        }
        Type list = Type::of(ScalarKind::List);
        list.element = element.kind;
        return list;
      }
      case ExprKind::AllExcept: return Type::of(ScalarKind::List);
      case ExprKind::Call: return typeCall(expr.as<CallExpr>(), expr.range, ctx);
      case ExprKind::Pipeline: return Type::error();
    }
    return Type::error();
  }

  Type branches(const char* what, const Type& a, const Type& b, SourceRange at) {
    Type common = commonType(a, b);
    if (common.isError() && !a.isError() && !b.isError()) report(diag::Kind::BranchTypes, at, what, a.str(), b.str());
    return common;
  }

  // `==`, `!=` and `in`: a category meets its own levels, numbers meet numbers, the rest their kind.
  bool checkComparable(const Type& a, const Type& b, const Expr& lhs, const Expr& rhs, SourceRange at, const char* op) {
    if (a.isError() || b.isError() || a.kind == ScalarKind::Null || b.kind == ScalarKind::Null) return true;
    if (a.kind == ScalarKind::Category && b.kind == ScalarKind::String) return checkLevel(a, rhs);
    if (b.kind == ScalarKind::Category && a.kind == ScalarKind::String) return checkLevel(b, lhs);
    if (!commonType(a, b).isError()) return true;
    report(diag::Kind::BinaryOperandTypes, at, op, a.str(), b.str());
    return false;
  }

  bool checkLevel(const Type& category, const Expr& literal) {
    if (literal.kind != ExprKind::String) return true;
    const std::string& value = literal.as<StringLiteral>().value;
    if (category.hasLevel(value)) return true;
    auto builder = report(diag::Kind::NotALevel, literal.range, value, category.withNullable(false).str());
    std::string suggestion = category.levels ? support::closestMatch(value, *category.levels) : "";
    if (!suggestion.empty()) builder.help(fmt::format("did you mean \"{}\"?", suggestion));
    return false;
  }

  void checkOrdered(const Type& a, const Type& b, SourceRange at, const char* op) {
    if (a.isError() || b.isError() || b.kind == ScalarKind::Null) return;
    bool ordered = (a.isNumeric() && b.isNumeric()) ||
                   (a.kind == b.kind && (a.kind == ScalarKind::Date || a.kind == ScalarKind::Timestamp ||
                                         a.kind == ScalarKind::String || a.kind == ScalarKind::Duration));
    if (!ordered) report(diag::Kind::BinaryOperandTypes, at, op, a.str(), b.str());
  }

  static bool isNonZeroLiteral(const Expr& e) {
    if (e.kind == ExprKind::Int) return e.as<IntLiteral>().value != 0;
    if (e.kind == ExprKind::Float) return e.as<FloatLiteral>().value != 0.0;
    return false;
  }

  Type typeBinary(const BinaryExpr& b, const RowContext& ctx) {
    Type l = typeExpr(*b.lhs, ctx);
    Type r = typeExpr(*b.rhs, ctx);
    const char* op = spelling(b.op);
    bool nullable = l.nullable || r.nullable;
    switch (b.op) {
      case BinaryOp::And:
      case BinaryOp::Or:
        if (!l.isError() && l.kind != ScalarKind::Bool) report(diag::Kind::BinaryOperandTypes, b.range, op, l.str(), r.str());
        else if (!r.isError() && r.kind != ScalarKind::Bool) report(diag::Kind::BinaryOperandTypes, b.range, op, l.str(), r.str());
        return Type::of(ScalarKind::Bool, nullable);
      case BinaryOp::Eq:
      case BinaryOp::Ne:
        checkComparable(l, r, *b.lhs, *b.rhs, b.range, op);
        return Type::of(ScalarKind::Bool, nullable);
      case BinaryOp::Lt: case BinaryOp::Le: case BinaryOp::Gt: case BinaryOp::Ge:
        checkOrdered(l, r, b.range, op);
        return Type::of(ScalarKind::Bool, nullable);
      default:
        break;
    }
    if (l.isError() || r.isError()) return Type::error();
    if (l.kind == ScalarKind::Null || r.kind == ScalarKind::Null) return Type::of(ScalarKind::Null, true);
    if (!l.isNumeric() || !r.isNumeric()) {
      auto builder = report(diag::Kind::BinaryOperandTypes, b.range, op, l.str(), r.str());
      if (l.kind == ScalarKind::String || r.kind == ScalarKind::String) {
        builder.help("convert explicitly, e.g. `float(x)`");
      }
      return Type::error();
    }
    bool bothInt = l.kind == ScalarKind::Int && r.kind == ScalarKind::Int;
    switch (b.op) {
      case BinaryOp::Div:
        // Division by zero yields null, unless the divisor is a non-zero literal.
        return Type::of(ScalarKind::Float, nullable || !isNonZeroLiteral(*b.rhs));
      case BinaryOp::Mod:
        return Type::of(bothInt ? ScalarKind::Int : ScalarKind::Float, nullable || !isNonZeroLiteral(*b.rhs));
      default:
        return Type::of(bothInt ? ScalarKind::Int : ScalarKind::Float, nullable);
    }
  }

  // Whether `decl`'s body is being checked already (only a cycle, which is reported by the name
  // phase, calls it again inside; any depth of nesting is checked).
  bool onStack(const Decl* decl) const {
    return std::any_of(stack_.begin(), stack_.end(), [&](const Instantiation& inst) { return inst.decl == decl; });
  }

  // The transform calls being expanded, outermost first; empty when one has no site (a call
  // made while checking a rule or function, whose schemas the plan does not need).
  std::vector<const void*> callSites() const {
    std::vector<const void*> sites;
    for (const auto& frame : stack_) {
      if (frame.site == nullptr) return {};
      sites.push_back(frame.site);
    }
    return sites;
  }

  Type typeCall(const CallExpr& call, SourceRange at, const RowContext& ctx) {
    const Decl* decl = ctx.module != nullptr ? findDecl(*ctx.module, *call.callee) : nullptr;
    if (call.callee->kind == ExprKind::Name && ctx.bindings != nullptr &&
        (ctx.bindings->values.count(call.callee->as<NameExpr>().name.text) ||
         ctx.bindings->columns.count(call.callee->as<NameExpr>().name.text))) {
      decl = nullptr;
    }
    if (decl != nullptr && !decl->incomplete) {
      if (decl->kind == DeclKind::Fn) return callFn(decl->as<FnDecl>(), call, at, ctx);
      if (decl->kind == DeclKind::Rule) return callRule(decl->as<RuleDecl>(), call, at, ctx);
      return Type::error();
    }
    if (decl != nullptr || call.callee->kind != ExprKind::Name) return Type::error();
    std::vector<Type> args;
    for (const Argument& arg : call.args) {
      args.push_back(arg.value->kind == ExprKind::Pipeline ? Type::error() : typeExpr(*arg.value, ctx));
    }
    return typeBuiltin(calleeName(call), call, args, at);
  }

  Type callFn(const FnDecl& fn, const CallExpr& call, SourceRange at, const RowContext& ctx) {
    if (call.args.size() != fn.params.size()) {
      report(diag::Kind::WrongArity, at, fn.name.text, plural(fn.params.size(), "argument", "arguments"),
             plural(call.args.size(), "was", "were"));
      return Type::error();
    }
    for (std::size_t i = 0; i < call.args.size(); ++i) {
      Type arg = typeExpr(*call.args[i].value, ctx);
      checkArgument(arg, typeOf(fn.params[i].type), fn.params[i], fn.name.text, call.args[i].value->range);
    }
    return typeOf(fn.result);
  }

  Type callRule(const RuleDecl& rule, const CallExpr& call, SourceRange at, const RowContext& ctx) {
    if (tooLarge_.count(&rule)) return Type::error();
    Bindings bindings;
    std::size_t firstParam = 0;
    const TableType* rowTable = ctx.table;
    // In an `expect` block the expected table is the rule's implicit first argument.
    if (ctx.ruleTable != nullptr && !rule.params.empty() && rule.params[0].type.name.text == "table") {
      bindings.tables[rule.params[0].name.text] = *ctx.ruleTable;
      rowTable = ctx.ruleTable;
      firstParam = 1;
    }
    if (!bindParams(rule.name.text, rule.params, firstParam, call.args, at, *ctx.module, ctx.bindings, bindings, rowTable)) {
      return Type::of(ScalarKind::Bool);
    }
    if (onStack(&rule)) return Type::of(ScalarKind::Bool);  // a cycle, reported by the name phase
    const TableType* bodyTable = rowTable;
    if (firstParam == 1) bodyTable = &bindings.tables[rule.params[0].name.text];
    stack_.push_back({at, rule.name.text, rule.name.range, nullptr, &rule});
    RowContext body{bodyTable, &bindings, moduleOf_.at(&rule)};
    Type t = typeExpr(*rule.body, body);
    requireBool(t, "a rule", rule.body->range);
    stack_.pop_back();
    return Type::of(ScalarKind::Bool);
  }

  // Built-in functions (LANGUAGE.md sections 5 to 8): arity, argument types and result types by
  // their catalog entries (catalog/Builtins.def); what a rule cannot say is below by id.
  Type typeBuiltin(const std::string& name, const CallExpr& call, const std::vector<Type>& args, SourceRange at) {
    std::optional<catalog::BuiltinId> id = catalog::findBuiltin(name);
    if (id && catalog::builtin(*id).kind == catalog::BuiltinKind::Window) {
      report(diag::Kind::WindowFunctionOutside, at, name)
          .help(fmt::format("compute it in `window by k order t {{ c = {}(...) }}` and use the column `c`", name));
      return Type::error();
    }
    // Readers, writers, algorithms, events: checked with their declarations.
    if (!id || !catalog::builtin(*id).rowValue()) return Type::error();
    const catalog::BuiltinInfo& info = catalog::builtin(*id);
    if (args.size() < info.minArgs || args.size() > info.maxArgs) {
      std::string takes = info.minArgs == info.maxArgs ? plural(info.minArgs, "argument", "arguments")
                                                       : fmt::format("{} to {} arguments", info.minArgs, info.maxArgs);
      report(diag::Kind::WrongArity, at, name, takes, plural(args.size(), "was", "were"));
      return Type::error();
    }
    for (std::size_t i = 0; i < args.size(); ++i) {
      if (args[i].isError() || satisfies(args[i], info.arg(i))) continue;
      report(diag::Kind::ArgumentType, call.args[i].value->range, i + 1, name, catalog::describe(info.arg(i)), args[i].str());
      return Type::error();
    }
    if (std::any_of(args.begin(), args.end(), [](const Type& t) { return t.isError(); })) return Type::error();

    std::vector<std::string> levels;
    if (*id == catalog::BuiltinId::DateTrunc && !timeUnitOf(call, args[1])) return Type::error();
    if (*id == catalog::BuiltinId::Category && !levelsOf(*call.args[1].value, levels)) return Type::error();

    Type result = Type::error();
    switch (info.result) {
      case catalog::ResultRule::None: return Type::error();
      case catalog::ResultRule::First: result = args[0]; break;
      case catalog::ResultRule::Second: result = args[1]; break;
      case catalog::ResultRule::Levels: result = Type::category(std::move(levels)); break;
      case catalog::ResultRule::Common: {
        result = commonOf(*id, call, args, at);
        if (result.isError()) return result;
        break;
      }
      case catalog::ResultRule::Int: result = Type::of(ScalarKind::Int); break;
      case catalog::ResultRule::Float: result = Type::of(ScalarKind::Float); break;
      case catalog::ResultRule::Bool: result = Type::of(ScalarKind::Bool); break;
      case catalog::ResultRule::String: result = Type::of(ScalarKind::String); break;
      case catalog::ResultRule::Date: result = Type::of(ScalarKind::Date); break;
      case catalog::ResultRule::Timestamp: result = Type::of(ScalarKind::Timestamp); break;
    }
    if (*id == catalog::BuiltinId::ToDate || *id == catalog::BuiltinId::ToTimestamp) {
      bool date = *id == catalog::BuiltinId::ToDate;
      const Expr& literal = *call.args[0].value;
      if (literal.kind == ExprKind::String && !validTemporal(literal.as<StringLiteral>().value, date)) {
        report(diag::Kind::InvalidLiteral, literal.range, literal.as<StringLiteral>().value,
               date ? "date (write `YYYY-MM-DD`)" : "timestamp (write `YYYY-MM-DDTHH:MM:SSZ`)");
      }
    }
    auto nullable = [&](std::size_t i) { return args[i].nullable; };
    bool anyNullable = false;
    bool allNullable = !args.empty();
    for (std::size_t i = 0; i < args.size(); ++i) {
      anyNullable = anyNullable || nullable(i);
      allNullable = allNullable && nullable(i);
    }
    switch (info.nulls) {
      case catalog::NullRule::Any: return result.withNullable(anyNullable);
      case catalog::NullRule::First: return result.withNullable(!args.empty() && nullable(0));
      case catalog::NullRule::All: return result.withNullable(allNullable);
      case catalog::NullRule::Never: return result.withNullable(false);
      case catalog::NullRule::Domain: return result.withNullable(true);
      case catalog::NullRule::Unparsable: {
        // Parsing text may fail, which gives null; a date or timestamp literal was checked above.
        bool literal = (*id == catalog::BuiltinId::ToDate || *id == catalog::BuiltinId::ToTimestamp) && !call.args.empty() &&
                       call.args[0].value->kind == ExprKind::String;
        return result.withNullable(nullable(0) || (args[0].kind == ScalarKind::String && result.kind != ScalarKind::String && !literal));
      }
    }
    return result;
  }

  static bool satisfies(const Type& t, catalog::ArgRule rule) {
    switch (rule) {
      case catalog::ArgRule::Any: return true;
      case catalog::ArgRule::Number: return t.isNumeric() || t.kind == ScalarKind::Null;
      case catalog::ArgRule::Integer: return t.kind == ScalarKind::Int || t.kind == ScalarKind::Null;
      case catalog::ArgRule::Text: return t.kind == ScalarKind::String;
      case catalog::ArgRule::Temporal: return t.kind == ScalarKind::Date || t.kind == ScalarKind::Timestamp;
      case catalog::ArgRule::Bool: return t.kind == ScalarKind::Bool;
      case catalog::ArgRule::NumberOrBool: return t.isNumeric() || t.kind == ScalarKind::Bool || t.kind == ScalarKind::Null;
      case catalog::ArgRule::Edges:
      case catalog::ArgRule::Levels: return t.kind == ScalarKind::List;
      case catalog::ArgRule::Unit: return t.kind == ScalarKind::String;
    }
    return false;
  }

  // `date_trunc(unit, d)`: the unit is a literal the compiler knows, and one that applies to
  // `d` (hours and minutes only to a timestamp).
  bool timeUnitOf(const CallExpr& call, const Type& value) {
    const Expr& unit = *call.args[0].value;
    if (unit.kind != ExprKind::String) {
      report(diag::Kind::ArgumentType, unit.range, 1, "date_trunc", catalog::describe(catalog::ArgRule::Unit), "string")
          .note("the unit is written as a literal, so the compiler knows it");
      return false;
    }
    const std::string& name = unit.as<StringLiteral>().value;
    bool timestamp = value.kind == ScalarKind::Timestamp;
    std::vector<std::string> known = catalog::timeUnitNames(timestamp);
    if (std::find(known.begin(), known.end(), name) != known.end()) return true;
    auto builder = report(diag::Kind::UnknownTimeUnit, unit.range, name, value.withNullable(false).str());
    std::string suggestion = support::closestMatch(name, known);
    if (!suggestion.empty()) builder.help(fmt::format("did you mean \"{}\"?", suggestion));
    if (catalog::findTimeUnit(name)) builder.note("a `date` has no hours or minutes: truncate a `timestamp`");
    else {
      std::string list;
      for (const std::string& k : known) list += (list.empty() ? "" : ", ") + k;
      builder.note(fmt::format("the units are {}", list));
    }
    return false;
  }

  // `category(x, [levels])`: the levels are distinct string literals, as in a `category[...]` type.
  bool levelsOf(const Expr& list, std::vector<std::string>& levels) {
    const auto& items = list.as<ListExpr>().items;
    for (const ExprPtr& item : items) {
      if (item->kind != ExprKind::String) {
        report(diag::Kind::InvalidLiteral, item->range, "this", "category level (levels are strings: `[\"a\", \"b\"]`)");
        return false;
      }
      const std::string& level = item->as<StringLiteral>().value;
      if (std::find(levels.begin(), levels.end(), level) != levels.end()) {
        report(diag::Kind::InvalidLiteral, item->range, fmt::format("\"{}\"", level), "category level here (it is listed twice)");
        return false;
      }
      levels.push_back(level);
    }
    if (levels.empty()) {
      report(diag::Kind::InvalidLiteral, list.range, "[]", "list of levels (a category has at least one)");
      return false;
    }
    return true;
  }

  // The common type of the arguments (its nullability is the catalog's null rule's), and how a
  // mismatch is reported, which differs by function.
  Type commonOf(catalog::BuiltinId id, const CallExpr& call, const std::vector<Type>& args, SourceRange at) {
    Type result = args[0].withNullable(false);
    for (std::size_t i = 1; i < args.size(); ++i) {
      Type next = commonType(result, args[i].withNullable(false));
      if (next.isError()) {
        if (id == catalog::BuiltinId::Coalesce) {
          report(diag::Kind::ArgumentType, call.args[i].value->range, i + 1, catalog::builtin(id).name,
                 fmt::format("`{}`", result.str()), args[i].str());
        } else {
          report(diag::Kind::BinaryOperandTypes, at, catalog::builtin(id).name, args[0].str(), args[1].str());
        }
        return Type::error();
      }
      result = next.withNullable(false);
    }
    return result;
  }

  static bool validTemporal(const std::string& text, bool dateOnly) {
    auto digits = [&](std::size_t from, std::size_t count, int low, int high) {
      if (from + count > text.size()) return false;
      int value = 0;
      auto [ptr, ec] = std::from_chars(text.data() + from, text.data() + from + count, value);
      return ec == std::errc() && ptr == text.data() + from + count && value >= low && value <= high;
    };
    bool date = text.size() >= 10 && digits(0, 4, 1, 9999) && text[4] == '-' && digits(5, 2, 1, 12) &&
                text[7] == '-' && digits(8, 2, 1, 31);
    if (dateOnly) return date && text.size() == 10;
    if (!date || text.size() < 19 || (text[10] != 'T' && text[10] != ' ')) return false;
    return digits(11, 2, 0, 23) && text[13] == ':' && digits(14, 2, 0, 59) && text[16] == ':' && digits(17, 2, 0, 60);
  }

  // ---- Models ----

  // The model's training table (into `inputs`) and its shape (into `models`), computed once, at
  // the model's declaration or at the first `predict` that uses it, whichever comes first; null
  // when there is none (an incomplete model, or one whose training table predicts with it: a
  // cycle, reported by the name phase).
  const ModelShape* shapeOfModel(const Decl& decl) {
    if (decl.incomplete || decl.kind != DeclKind::Model) return nullptr;
    if (auto it = typed_.models.find(&decl); it != typed_.models.end()) return &it->second;
    if (!inProgress_.insert(&decl).second) return nullptr;
    const auto& model = decl.as<ModelDecl>();
    TableType training = errorTable();
    if (model.trainer->kind == ExprKind::Call) {
      const auto& call = model.trainer->as<CallExpr>();
      if (!call.args.empty() && !call.args[0].name) {
        // Typed as at the declaration, whatever is being checked when it is reached.
        std::vector<Instantiation> saved = std::move(stack_);
        stack_.clear();
        std::string savedDecl = currentDecl_;
        currentDecl_ = decl.name.text;
        training = typeTable(*call.args[0].value, *moduleOf_.at(&decl), nullptr);
        currentDecl_ = savedDecl;
        stack_ = std::move(saved);
        typed_.inputs[&decl] = training;
      }
    }
    inProgress_.erase(&decl);
    return &typed_.models.emplace(&decl, modelShape(model, training)).first->second;
  }

  // `predict m as c`: the table must provide every feature of `m`, with a type the model was
  // trained on; the prediction's type follows from the model's task.
  Type typePredict(const PredictOp& predict, const TableType& table, const LoadedModule& module) {
    const Decl* decl = findDecl(module, predict.model);
    if (decl == nullptr || decl->kind != DeclKind::Model) return Type::error();
    const ModelShape* shape = shapeOfModel(*decl);
    if (shape == nullptr) return Type::error();
    const TableType* training = nullptr;
    if (auto it = typed_.inputs.find(decl); it != typed_.inputs.end()) training = &it->second;
    // A model whose training table has an error has had its diagnostic.
    if (!table.error && training != nullptr && !training->error) {
      // A column that may be a missing feature under another name: not one the model reads as
      // itself, nor one suggested for another feature already.
      std::vector<std::string> candidates;
      for (const std::string& name : table.names()) {
        if (name != shape->target && std::find(shape->features.begin(), shape->features.end(), name) == shape->features.end()) {
          candidates.push_back(name);
        }
      }
      for (const std::string& feature : shape->features) {
        const ColumnType* column = table.find(feature);
        const ColumnType* trained = training != nullptr ? training->find(feature) : nullptr;
        if (column == nullptr) {
          auto builder = report(diag::Kind::MissingFeature, predict.model.range, predict.model.text(), feature);
          std::string suggestion = support::closestMatch(feature, candidates);
          candidates.erase(std::remove(candidates.begin(), candidates.end(), suggestion), candidates.end());
          if (!suggestion.empty()) builder.help(fmt::format("did you mean `{}`? rename it to `{}` before `predict`", suggestion, feature));
          else builder.help(fmt::format("add `{}` to the table before `predict`, computed as for training", feature));
          continue;
        }
        if (trained == nullptr || column->type.isError() || trained->type.isError()) continue;
        // Categories are encoded by level name (a level unknown to the model is none of its
        // levels); anything else must be what the model was trained on, or widen to it.
        bool categories = column->type.kind == ScalarKind::Category && trained->type.kind == ScalarKind::Category;
        if (!categories && !isAssignable(column->type, trained->type.withNullable(true))) {
          report(diag::Kind::FeatureTypeMismatch, predict.model.range, feature, column->type.str(), predict.model.text(),
                 trained->type.str())
              .help(fmt::format("convert it before `predict`, e.g. `derive {0} = ...`", feature));
        }
      }
    }
    return predictionType(*shape);
  }

  // ---- Declarations ----

  void checkDecl(const Decl& decl, const LoadedModule& module) {
    if (decl.incomplete) return;
    switch (decl.kind) {
      case DeclKind::Schema: schemaTable(decl.as<SchemaDecl>()); break;
      case DeclKind::Source:
      case DeclKind::Step:
      case DeclKind::Let:
      case DeclKind::Sink:
        tableOfDecl(decl, decl.name.text);
        break;
      case DeclKind::Expect: {
        if (tooLarge_.count(&decl)) break;
        const auto& expect = decl.as<ExpectDecl>();
        TableType table = typeTable(*expect.table, module, nullptr);
        for (const ExpectRule& rule : expect.rules) {
          RowContext ctx{&table, nullptr, &module, &table};
          Type t = typeExpr(*rule.condition, ctx);
          requireBool(t, "an `expect` rule", rule.condition->range);
        }
        break;
      }
      case DeclKind::Fn: {
        const auto& fn = decl.as<FnDecl>();
        Bindings bindings;
        for (const Param& param : fn.params) bindings.values[param.name.text] = typeOf(param.type);
        RowContext ctx{nullptr, &bindings, &module};
        Type body = typeExpr(*fn.body, ctx);
        Type result = typeOf(fn.result);
        if (!isAssignable(body, result)) {
          auto builder = report(diag::Kind::ResultType, fn.body->range, fn.name.text, result.str(), body.str());
          if (body.nullable && isAssignable(body.withNullable(false), result)) {
            builder.help(fmt::format("declare the result nullable: `-> {}?`", result.str()));
          }
        }
        break;
      }
      case DeclKind::Model:
        // `xgboost(train)`: the training table. Settings are checked by the declaration checker.
        shapeOfModel(decl);
        break;
      case DeclKind::Metrics: {
        // `evaluate(model, table)`: the table the model is evaluated on.
        const auto& metrics = decl.as<MetricsDecl>();
        if (metrics.evaluation->kind == ExprKind::Call) {
          const auto& call = metrics.evaluation->as<CallExpr>();
          if (call.args.size() >= 2 && !call.args[1].name) {
            typed_.inputs[&decl] = typeTable(*call.args[1].value, module, nullptr);
          }
        }
        break;
      }
      default:
        break;
    }
  }

  const Program& program_;
  const ResolvedNames& names_;
  diag::DiagnosticEngine& diags_;
  TypedProgram typed_;
  std::map<const Decl*, const LoadedModule*> moduleOf_;
  std::map<const SchemaDecl*, TableType> schemas_;
  std::set<const Decl*> inProgress_;
  std::set<const Decl*> tooLarge_;
  std::vector<Instantiation> stack_;
  std::string currentDecl_;  // the declaration whose tables are being computed, for lineage
};

std::string printTable(const TableType& table) {
  if (table.error) return "  <unknown: see the errors above>\n";
  std::string out;
  for (const ColumnType& column : table.columns) {
    out += "  " + (isPlainIdentifier(column.name) ? column.name : "`" + column.name + "`") + ": " + column.type.str();
    if (column.key) out += " @key";
    if (column.pii) out += " @pii";
    if (column.sensitive) out += " @sensitive";
    out += "\n";
  }
  return out;
}

}  // namespace

TypedProgram checkTypes(const Program& program, const ResolvedNames& names, diag::DiagnosticEngine& diags) {
  return Checker(program, names, diags).run(diags, nullptr);
}

TypedProgram checkTypes(const Program& program, const ResolvedNames& names, diag::DiagnosticEngine& diags,
                        diag::DiagnosticEngine& declarationDiags, KeptTypes* kept) {
  return Checker(program, names, declarationDiags).run(diags, kept);
}

namespace {

std::string printLineageOf(const TableType& table) {
  if (table.error) return "  <unknown: see the errors above>\n";
  std::string out;
  for (const ColumnType& column : table.columns) {
    out += "  " + column.name + " <-";
    if (column.origins.empty()) out += " (no source column)";
    for (std::size_t i = 0; i < column.origins.size(); ++i) out += (i == 0 ? " " : ", ") + column.origins[i];
    if (column.piiTaint) out += "  [pii]";
    if (column.sensitiveTaint) out += "  [sensitive]";
    out += "\n";
  }
  return out;
}

template <typename PrintTable>
std::string printTables(const Program& program, const TypedProgram& typed, PrintTable printTable) {
  std::string out;
  if (program.root == nullptr) return out;
  for (const DeclPtr& decl : program.root->ast->decls) {
    auto it = typed.tables.find(decl.get());
    if (it == typed.tables.end()) continue;
    if (decl->kind == DeclKind::Let) {
      const auto& names = decl->as<LetDecl>().names;
      for (std::size_t i = 0; i < names.size() && i < it->second.size(); ++i) {
        out += "let " + names[i].text + "\n" + printTable(it->second[i]);
      }
      continue;
    }
    out += std::string(declKeyword(decl->kind)) + " " + decl->name.text + "\n" + printTable(it->second.front());
  }
  return out;
}

}  // namespace

std::string printLineage(const Program& program, const TypedProgram& typed) {
  return printTables(program, typed, printLineageOf);
}

std::string printTypes(const Program& program, const TypedProgram& typed) {
  return printTables(program, typed, printTable);
}

}  // namespace weir::sema
