// The direct parser (parse/DescentParser.h) must give exactly what ANTLR's parser and the AST
// builder give: every field and every source range of the syntax tree, and the same diagnostics.
// Compared on every program of the repository (valid and not), on random expressions and on
// random mutations of them (where the direct parser must give up, never guess).

#include "TestSupport.h"

#include "source/SourceRange.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <random>

namespace weir {
namespace {

namespace fs = std::filesystem;
using namespace ast;

// Every field of a module, every range included, one token per field.
class Dump {
 public:
  std::string module(const Module& m) {
    for (const DeclPtr& decl : m.decls) this->decl(*decl);
    return out_;
  }

 private:
  void put(const std::string& text) { out_ += text + " "; }
  void put(const SourceRange& r) { out_ += "<" + std::to_string(r.file) + ":" + source::formatRange(r) + "> "; }
  void id(const Identifier& i) { put("`" + i.text + "`"), put(i.range); }
  void id(const std::optional<Identifier>& i) {
    if (i) id(*i);
    else put("-");
  }
  void qualified(const QualifiedName& q) {
    put("qn");
    for (const Identifier& part : q.parts) id(part);
    put(q.range);
  }
  void expr(const Expr* e) {
    if (e == nullptr) return put("nullexpr");
    put("e" + std::to_string(static_cast<int>(e->kind)));
    put(e->range);
    switch (e->kind) {
      case ExprKind::Int: put(std::to_string(e->as<IntLiteral>().value) + e->as<IntLiteral>().spelling); break;
      case ExprKind::Float: put(std::to_string(e->as<FloatLiteral>().value) + e->as<FloatLiteral>().spelling); break;
      case ExprKind::String: put("\"" + e->as<StringLiteral>().value + "\""); break;
      case ExprKind::Bool: put(e->as<BoolLiteral>().value ? "true" : "false"); break;
      case ExprKind::Null: case ExprKind::Error: break;
      case ExprKind::Duration: put(std::to_string(e->as<DurationLiteral>().amount) + e->as<DurationLiteral>().unit); break;
      case ExprKind::Name: id(e->as<NameExpr>().name); break;
      case ExprKind::Member: expr(e->as<MemberExpr>().object.get()); id(e->as<MemberExpr>().member); break;
      case ExprKind::Call: expr(e->as<CallExpr>().callee.get()); args(e->as<CallExpr>().args); break;
      case ExprKind::Unary: put(std::to_string(static_cast<int>(e->as<UnaryExpr>().op))); expr(e->as<UnaryExpr>().operand.get()); break;
      case ExprKind::Binary:
        put(spelling(e->as<BinaryExpr>().op));
        expr(e->as<BinaryExpr>().lhs.get());
        expr(e->as<BinaryExpr>().rhs.get());
        break;
      case ExprKind::In:
        put(e->as<InExpr>().negated ? "not" : "");
        expr(e->as<InExpr>().value.get());
        exprs(e->as<InExpr>().set);
        expr(e->as<InExpr>().setName.get());
        break;
      case ExprKind::Between:
        put(e->as<BetweenExpr>().negated ? "not" : "");
        expr(e->as<BetweenExpr>().value.get());
        expr(e->as<BetweenExpr>().low.get());
        expr(e->as<BetweenExpr>().high.get());
        break;
      case ExprKind::IsNull: put(e->as<IsNullExpr>().negated ? "not" : ""); expr(e->as<IsNullExpr>().value.get()); break;
      case ExprKind::If:
        expr(e->as<IfExpr>().condition.get());
        expr(e->as<IfExpr>().thenValue.get());
        expr(e->as<IfExpr>().elseValue.get());
        break;
      case ExprKind::Case:
        for (const CaseExpr::When& when : e->as<CaseExpr>().whens) expr(when.condition.get()), expr(when.value.get());
        expr(e->as<CaseExpr>().elseValue.get());
        break;
      case ExprKind::List: exprs(e->as<ListExpr>().items); break;
      case ExprKind::AllExcept: exprs(e->as<AllExceptExpr>().excluded); break;
      case ExprKind::Pipeline:
        expr(e->as<PipelineExpr>().input.get());
        for (const PipeOpPtr& op : e->as<PipelineExpr>().ops) this->op(*op);
        break;
    }
    put(";");
  }
  void exprs(const std::vector<ExprPtr>& list) {
    put("[");
    for (const ExprPtr& e : list) expr(e.get());
    put("]");
  }
  void args(const std::vector<Argument>& list) {
    put("(");
    for (const Argument& a : list) id(a.name), expr(a.value.get()), put(a.range);
    put(")");
  }
  void assignments(const std::vector<Assignment>& list) {
    for (const Assignment& a : list) id(a.target), expr(a.value.get()), put(a.range);
  }
  void sortKeys(const std::vector<SortKey>& keys) {
    for (const SortKey& k : keys) id(k.column), put(k.descending ? "desc" : "asc"), put(k.range);
  }
  void joinKey(const JoinKey& k) { id(k.left), id(k.right), put(k.range); }
  void op(const PipeOp& o) {
    put(std::string("op:") + opKeyword(o.kind));
    put(o.range);
    switch (o.kind) {
      case OpKind::Where: expr(o.as<WhereOp>().condition.get()); break;
      case OpKind::Derive: case OpKind::Fill: assignments(o.as<AssignOp>().assignments); break;
      case OpKind::Select: case OpKind::Drop: case OpKind::Distinct:
        for (const Identifier& c : o.as<ColumnsOp>().columns) id(c);
        break;
      case OpKind::Rename:
        for (const RenamePair& p : o.as<RenameOp>().pairs) id(p.newName), id(p.oldName), put(p.range);
        break;
      case OpKind::Join: {
        const auto& join = o.as<JoinOp>();
        put(std::to_string(static_cast<int>(join.joinKind)));
        expr(join.table.get());
        for (const JoinKey& k : join.keys) joinKey(k);
        if (join.at) joinKey(*join.at);
        expr(join.within.get());
        break;
      }
      case OpKind::Group:
        for (const Identifier& k : o.as<GroupOp>().keys) id(k);
        assignments(o.as<GroupOp>().aggregates);
        break;
      case OpKind::Sort: sortKeys(o.as<SortOp>().keys); break;
      case OpKind::Take: expr(o.as<TakeOp>().count.get()); break;
      case OpKind::Sample: expr(o.as<SampleOp>().fraction.get()); args(o.as<SampleOp>().options); break;
      case OpKind::Union: expr(o.as<UnionOp>().table.get()); break;
      case OpKind::Predict: qualified(o.as<PredictOp>().model); id(o.as<PredictOp>().column); break;
      case OpKind::TransformCall: qualified(o.as<TransformCallOp>().callee); args(o.as<TransformCallOp>().args); break;
      case OpKind::Window: {
        const auto& window = o.as<WindowOp>();
        for (const Identifier& k : window.partition) id(k);
        sortKeys(window.order);
        for (const WindowColumn& c : window.columns) {
          id(c.target), expr(c.value.get()), put(std::to_string(static_cast<int>(c.frame))), expr(c.frameSize.get());
          put(c.range);
        }
        break;
      }
    }
  }
  void typeRef(const TypeRef& t) {
    id(t.name), exprs(t.args), put(t.nullable ? "?" : "!"), put(t.range);
  }
  void params(const std::vector<Param>& list) {
    for (const Param& p : list) id(p.name), typeRef(p.type), put(p.range);
  }
  void settings(const SettingsBlock* block) {
    if (block == nullptr) return put("nosettings");
    put("{");
    for (const Setting& s : block->entries) id(s.name), expr(s.value.get()), settings(s.block.get()), put(s.range);
    put("}");
    put(block->range);
  }
  void decl(const Decl& d) {
    out_ += "\n";
    put(declKeyword(d.kind));
    id(d.name);
    put(d.range);
    put("doc:" + d.doc);
    put(d.incomplete ? "incomplete" : "complete");
    switch (d.kind) {
      case DeclKind::Pipeline: break;
      case DeclKind::Import: {
        const auto& i = d.as<ImportDecl>();
        put(i.isStd ? "std" : "file"), put(i.stdModule), put(i.path), put(i.targetRange), put(i.hasExplicitAlias ? "as" : "");
        break;
      }
      case DeclKind::Schema:
        for (const ColumnDef& c : d.as<SchemaDecl>().columns) {
          id(c.name), typeRef(c.type), put(c.range);
          for (const Tag& t : c.tags) id(t.name), args(t.args), put(t.range);
        }
        break;
      case DeclKind::Source:
        qualified(d.as<SourceDecl>().schema), expr(d.as<SourceDecl>().reader.get()), settings(d.as<SourceDecl>().settings.get());
        break;
      case DeclKind::Let:
        for (const Identifier& n : d.as<LetDecl>().names) id(n);
        expr(d.as<LetDecl>().value.get());
        break;
      case DeclKind::Model: expr(d.as<ModelDecl>().trainer.get()), settings(d.as<ModelDecl>().settings.get()); break;
      case DeclKind::Metrics:
        expr(d.as<MetricsDecl>().evaluation.get());
        for (const Identifier& n : d.as<MetricsDecl>().metrics) id(n);
        break;
      case DeclKind::Expect:
        expr(d.as<ExpectDecl>().table.get());
        for (const ExpectRule& r : d.as<ExpectDecl>().rules) expr(r.condition.get()), id(r.severity), put(r.range);
        break;
      case DeclKind::Gate:
        qualified(d.as<GateDecl>().model);
        exprs(d.as<GateDecl>().conditions);
        break;
      case DeclKind::Sink:
        expr(d.as<SinkDecl>().table.get()), expr(d.as<SinkDecl>().writer.get()), settings(d.as<SinkDecl>().settings.get());
        break;
      case DeclKind::Step:
        qualified(d.as<StepDecl>().schema), expr(d.as<StepDecl>().command.get()), settings(d.as<StepDecl>().settings.get());
        break;
      case DeclKind::Deploy: settings(d.as<DeployDecl>().settings.get()); break;
      case DeclKind::Trigger:
        for (const TriggerEntry& e : d.as<TriggerDecl>().entries) {
          put(e.kind == TriggerEntry::Kind::On ? "on" : "run"), expr(e.event.get());
          for (const QualifiedName& t : e.targets) qualified(t);
          put(e.range);
        }
        break;
      case DeclKind::Policy: settings(d.as<PolicyDecl>().settings.get()); break;
      case DeclKind::Fn: params(d.as<FnDecl>().params), typeRef(d.as<FnDecl>().result), expr(d.as<FnDecl>().body.get()); break;
      case DeclKind::Transform: params(d.as<TransformDecl>().params), expr(d.as<TransformDecl>().body.get()); break;
      case DeclKind::Rule: params(d.as<RuleDecl>().params), expr(d.as<RuleDecl>().body.get()); break;
    }
  }

  std::string out_;
};

// Parses `text` both ways and expects the same tree and diagnostics. True when it was valid.
bool expectSameBothWays(const std::string& text, const std::string& what) {
  source::SourceManager sources;
  const source::SourceFile& file = sources.addFile("same.mlflow", text);
  diag::DiagnosticEngine directDiags;
  auto direct = parse::parseModule(file, directDiags);
  diag::DiagnosticEngine antlrDiags;
  auto antlr = parse::parseModuleWithAntlr(file, antlrDiags);
  SCOPED_TRACE(what + ":\n" + text);
  EXPECT_EQ(Dump().module(*direct), Dump().module(*antlr));
  EXPECT_EQ(test::describeDiagnostics(directDiags), test::describeDiagnostics(antlrDiags));
  EXPECT_EQ(ast::printModule(*direct), ast::printModule(*antlr));
  return !antlrDiags.hasErrors();
}

TEST(DescentParser, EveryProgramOfTheRepositoryParsesAsWithAntlr) {
  std::vector<fs::path> files = test::repositoryPrograms({"examples", "test/lit", "test/fuzz/corpus/parser", "stdlib", "bench"});
  ASSERT_GE(files.size(), 100u);
  std::size_t valid = 0;
  for (const fs::path& path : files) valid += expectSameBothWays(test::fileText(path), path.string()) ? 1 : 0;
  EXPECT_GE(valid, 50u);
}

// Chains longer than the depth bound (E0017), with and without a mistake at their end, and
// nesting past E0016's: the direct parser gives up (without recursing through what it built), and
// ANTLR's path reports them as before.
TEST(DescentParser, TooDeepOrTooLongGivesWhatAntlrGives) {
  std::string chain = "1";
  for (int i = 0; i < 20000; ++i) chain += i % 2 == 0 ? " + a" : " * - b.c";
  expectSameBothWays("let t = s | derive c = " + chain + "\n", "a long chain");
  expectSameBothWays("let t = s | derive c = " + chain + " + )\n", "a long chain with a mistake");
  expectSameBothWays("let t = s | derive c = " + std::string(300, '(') + "1" + std::string(300, ')') + "\n", "deep nesting");
  expectSameBothWays("let t = s | derive c = " + std::string(200, '(') + "1" + std::string(200, ')') + "\n", "nesting");
}

// Random expressions over the whole expression grammar (every operator, literal, call form,
// `if`, `case`, `in`, `between`, `is null`, soft keywords as names, pipelines in parentheses),
// as a `derive`, a `where` and a call argument.
class Expressions {
 public:
  explicit Expressions(std::uint32_t seed) : random_(seed) {}

  std::string expr(int depth) {
    if (depth <= 0) return leaf();
    switch (pick(16)) {
      case 0: return expr(depth - 1) + " " + pickOf({"+", "-", "*", "/", "%"}) + " " + expr(depth - 1);
      case 1: return expr(depth - 1) + " " + pickOf({"==", "!=", "<", "<=", ">", ">="}) + " " + expr(depth - 1);
      case 2: return expr(depth - 1) + " " + pickOf({"and", "or"}) + " " + expr(depth - 1);
      case 3: return pickOf({"not ", "-", "- -", "not not "}) + expr(depth - 1);
      case 4: return "(" + expr(depth - 1) + ")";
      case 5: return "if " + expr(depth - 1) + " then " + expr(depth - 1) + " else " + expr(depth - 1);
      case 6: return pickOf({"abs", "round", "coalesce", "m.f", "`odd name`", "left", "sample"}) + "(" + argList(depth - 1) + ")";
      case 7: return expr(depth - 1) + pickOf({" in [", " not in ["}) + list(depth - 1) + "]";
      case 8: return expr(depth - 1) + pickOf({" between ", " not between "}) + expr(depth - 1) + " and " + expr(depth - 1);
      case 9: return expr(depth - 1) + pickOf({" is null", " is not null"});
      case 10: return "case { when " + expr(depth - 1) + " then " + expr(depth - 1) + pickOf({" ", ", ", "\n"}) +
                      pickOf({"", "else " + expr(depth - 1)}) + " }";
      case 11: return "[" + list(depth - 1) + "]";
      case 12: return "(" + expr(depth - 1) + " | " + pipeOp(depth - 1) + ")";
      case 13: return expr(depth - 1) + "." + pickOf({"x", "where", "null", "select"});
      case 14: return "all except [" + list(depth - 1) + "]";
      default: return expr(depth - 1) + " " + pickOf({"+", "*", "and"}) + "\n  " + expr(depth - 1);
    }
  }

  std::string pipeOp(int depth) {
    switch (pick(10)) {
      case 0: return "where " + expr(depth);
      case 1: return "derive a = " + expr(depth) + ", b = " + expr(depth);
      case 2: return "select a, b";
      case 3: return "take " + expr(depth);
      case 4: return "sample " + expr(depth) + pickOf({"", " seed = 3", ", seed = 4"});
      case 5: return "join " + pickOf({"", "left ", "inner "}) + expr(depth) + " on k";
      case 6: return "group k { n = count() }";
      case 7: return "sort a desc, b";
      case 8: return pickOf({"t(", "lib.t(", "take(", "derive("}) + argList(depth) + ")";
      default: return "distinct";
    }
  }

  // The program text with one random token deleted, duplicated or replaced.
  std::string mutate(const std::string& text) {
    static const std::vector<std::string> tokens = {"(", ")", "[", "]", "=", ",", "|", "not", "in", "and", "if",
                                                    "then", "else", "1", "x", "\"s", "\\q", "{", "}", "99999999999999999999",
                                                    "1e999", "except", ".", "-", "is", "null", "case", "when", "\n"};
    std::string out = text;
    std::size_t at = pick(out.size() + 1);
    switch (pick(3)) {
      case 0: return out.erase(std::min(at, out.size()), 1 + pick(3));
      case 1: return out.insert(at, " " + tokens[pick(tokens.size())] + " ");
      default: return out.insert(at, tokens[pick(tokens.size())]);
    }
  }

 private:
  std::string leaf() {
    switch (pick(12)) {
      case 0: return std::to_string(pick(1000));
      case 1: return std::to_string(pick(100)) + "." + std::to_string(pick(100));
      case 2: return pickOf({"\"text\"", "\"a\\n\\u00e9\"", "\"\""});
      case 3: return pickOf({"true", "false", "null"});
      case 4: return pickOf({"7d", "12h", "1_000", "1.5e3", "2E-2"});
      case 5: return pickOf({"`quoted name`", "select", "left", "asof", "to", "rows", "by"});
      case 6: return "count()";
      default: return pickOf({"a", "b", "price", "x1", "_y"});
    }
  }
  std::string argList(int depth) {
    switch (pick(4)) {
      case 0: return "";
      case 1: return expr(depth);
      case 2: return expr(depth) + ", q = " + expr(depth);
      default: return expr(depth) + ", " + expr(depth) + pickOf({"", ","});
    }
  }
  std::string list(int depth) { return pick(4) == 0 ? "" : expr(depth) + (pick(2) == 0 ? ", " + expr(depth) : ""); }
  std::string pickOf(const std::vector<std::string>& options) { return options[pick(options.size())]; }
  std::size_t pick(std::size_t bound) { return std::uniform_int_distribution<std::size_t>(0, bound - 1)(random_); }

  std::mt19937 random_;
};

TEST(DescentParser, RandomExpressionsParseAsWithAntlr) {
  std::size_t valid = 0;
  std::size_t mutants = 0;
  for (std::uint32_t seed = 0; seed < 400; ++seed) {
    Expressions gen(seed);
    const int depth = static_cast<int>(seed % 5);
    std::string program = "let t = s\n  | derive c = " + gen.expr(depth) + "\n  | where " + gen.expr(depth) +
                          "\n  | " + gen.pipeOp(depth) + "\n\nsink o = f(" + gen.expr(depth) + ", n = " + gen.expr(depth) +
                          ") to csv(\"o.csv\")\n\nmodel m = xgboost(t) {\n  features = [" + gen.expr(depth) + "]\n}\n";
    valid += expectSameBothWays(program, "seed " + std::to_string(seed)) ? 1 : 0;
    std::string mutant = program;
    for (int i = 0; i < 3; ++i) {
      mutant = gen.mutate(mutant);
      mutants += expectSameBothWays(mutant, "mutant of seed " + std::to_string(seed)) ? 0 : 1;
    }
    if (HasFailure()) return;
  }
  // Both kinds are exercised: most programs are valid, many mutants are not.
  EXPECT_GE(valid, 200u);
  EXPECT_GE(mutants, 200u);
}

}  // namespace
}  // namespace weir
