// The LLVM JIT of fused row pipelines against the interpreter: the same tables byte for byte
// (values under nulls included), over columns with nulls, zeros, NaN, infinities and int64
// extremes; and the compiled-object cache (a second JIT loads, never compiles). The JIT is the
// plugin weir loads (build/lib/weir/libweir-jit.so, beside this test's bin/).
#include "TestSupport.h"

#include "engine/CacheCollection.h"
#include "engine/RunSession.h"
#include "jit/PluginJit.h"
#include "operators/RowOperators.h"
#include "table/Morsels.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>

using namespace weir;
using namespace weir::runtime;

namespace {

// Expressions parsed from text (each the right side of a derive), kept alive for the nodes.
struct Parsed {
  explicit Parsed(const std::string& text) : parsed("let x = t | derive v = " + text + "\n") {}
  std::shared_ptr<const ast::Expr> expr() const {
    const auto& let = parsed.module->decls.at(0)->as<ast::LetDecl>();
    const auto& pipeline = let.value->as<ast::PipelineExpr>();
    const ast::Expr* e = pipeline.ops.at(0)->as<ast::AssignOp>().assignments.at(0).value.get();
    return std::shared_ptr<const ast::Expr>(std::shared_ptr<const ast::Expr>{}, e);
  }
  test::Parsed parsed;
};

constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
const double kNan = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

// Columns i, j (int), f, g (float), b, c (bool), d (date), s (string), k (category): every pair of awkward
// values meets in some row, and nulls hold stored values of their own (as a computed column's
// nulls do).
Table sample(std::size_t rows) {
  const std::vector<std::optional<std::int64_t>> ints{0, 1, -1, 2, -2, 7, -7, 3, kMax, kMin, std::nullopt, 10, -3, 100};
  const std::vector<std::optional<double>> floats{0.0, -0.0, 1.5, -2.5, kNan, kInf, -kInf, std::nullopt, 1e308, 3.0, 0.1, -7.0, 2.0};
  Column i(ColumnSpec{"i", ColumnKind::Int, true, {}}), j(ColumnSpec{"j", ColumnKind::Int, true, {}});
  Column f(ColumnSpec{"f", ColumnKind::Float, true, {}}), g(ColumnSpec{"g", ColumnKind::Float, true, {}});
  Column b(ColumnSpec{"b", ColumnKind::Bool, true, {}}), c(ColumnSpec{"c", ColumnKind::Bool, true, {}});
  Column d(ColumnSpec{"d", ColumnKind::Date, true, {}}), s(ColumnSpec{"s", ColumnKind::String, true, {}});
  Column category(ColumnSpec{"k", ColumnKind::Category, true, {"gold", "silver", "bronze"}});
  std::vector<std::int64_t> iv, jv, bv, cv, dv;
  std::vector<double> fv, gv;
  std::vector<std::uint8_t> iok, jok, fok, gok, bok, cok, dok;
  for (std::size_t r = 0; r < rows; ++r) {
    auto pickInt = [&](std::size_t k, std::vector<std::int64_t>& values, std::vector<std::uint8_t>& ok) {
      const auto& v = ints[k % ints.size()];
      values.push_back(v ? *v : static_cast<std::int64_t>(r * 37));  // a null still stores something
      ok.push_back(v ? 1 : 0);
    };
    auto pickFloat = [&](std::size_t k, std::vector<double>& values, std::vector<std::uint8_t>& ok) {
      const auto& v = floats[k % floats.size()];
      values.push_back(v ? *v : 0.5 * static_cast<double>(r));
      ok.push_back(v ? 1 : 0);
    };
    pickInt(r, iv, iok);
    pickInt(r / ints.size() + 3 * r, jv, jok);
    pickFloat(r, fv, fok);
    pickFloat(r / floats.size() + 5 * r, gv, gok);
    bv.push_back(r % 3 == 0 ? 1 : 0);
    bok.push_back(r % 5 == 4 ? 0 : 1);
    cv.push_back(r % 2);
    cok.push_back(r % 7 == 6 ? 0 : 1);
    dv.push_back(static_cast<std::int64_t>(r % 400) - 200);
    dok.push_back(r % 11 == 10 ? 0 : 1);
    if (r % 9 == 8) s.appendNull();
    else s.appendString(r % 2 == 0 ? "even" : "odd");
    if (r % 13 == 12) category.appendNull();
    else category.appendLevel(static_cast<std::uint32_t>(r % 3));
  }
  i.assignInts(iv, iok);
  j.assignInts(jv, jok);
  f.assignFloats(fv, fok);
  g.assignFloats(gv, gok);
  b.assignInts(bv, bok);
  c.assignInts(cv, cok);
  d.assignInts(dv, dok);
  Table t;
  for (Column* col : {&i, &j, &f, &g, &b, &c, &d, &s, &category}) t.columns.push_back(std::move(*col));
  return t;
}

// Text columns: s and t (strings with dictionaries of their own, sharing some values, the empty
// string and non-ASCII ones among them), u (the rows of s reversed: s's dictionary), k and l
// (categories of the same levels), m (a category of other levels), i (int); nulls in each.
Table textSample(std::size_t rows) {
  const std::vector<std::string> words{"odd", "", "été", "日本", "even", "Odd", "odd "};
  Column s(ColumnSpec{"s", ColumnKind::String, true, {}}), t(ColumnSpec{"t", ColumnKind::String, true, {}});
  Column k(ColumnSpec{"k", ColumnKind::Category, true, {"gold", "silver", "bronze"}});
  Column l(ColumnSpec{"l", ColumnKind::Category, true, {"gold", "silver", "bronze"}});
  Column m(ColumnSpec{"m", ColumnKind::Category, true, {"silver", "gold"}});
  Column i(ColumnSpec{"i", ColumnKind::Int, true, {}});
  t.appendString("only in t");  // t's codes differ from s's for the same text
  for (std::size_t r = 0; r < rows; ++r) {
    if (r % 9 == 8) s.appendNull();
    else s.appendString(words[r % words.size()]);
    if (r % 11 == 10) t.appendNull();
    else t.appendString(words[(r / 3) % words.size()]);
    if (r % 13 == 12) k.appendNull();
    else k.appendLevel(static_cast<std::uint32_t>(r % 3));
    if (r % 5 == 4) l.appendNull();
    else l.appendLevel(static_cast<std::uint32_t>((r / 2) % 3));
    if (r % 7 == 6) m.appendNull();
    else m.appendLevel(static_cast<std::uint32_t>(r % 2));
    if (r % 6 == 5) i.appendNull();
    else i.appendInt(static_cast<std::int64_t>(r % 10));
  }
  std::vector<std::uint32_t> reversed;
  for (std::size_t r = rows; r-- > 0;) reversed.push_back(static_cast<std::uint32_t>(r));
  Column u = s.gather(reversed);
  u.spec().name = "u";
  // t's first row only gave it a code of its own: drop it from the table's rows.
  std::vector<std::uint32_t> shifted;
  for (std::size_t r = 1; r <= rows; ++r) shifted.push_back(static_cast<std::uint32_t>(r));
  Column tRows = t.gather(shifted);
  Table out;
  for (Column* col : {&s, &tRows, &u, &k, &l, &m, &i}) out.columns.push_back(std::move(*col));
  return out;
}

std::vector<ColumnSpec> specsOf(const Table& t) {
  std::vector<ColumnSpec> out;
  for (const Column& c : t.columns) out.push_back(c.spec());
  return out;
}

// Where two tables differ (empty: nowhere), comparing storage bytes, NaN bits included.
std::string difference(const Table& a, const Table& b) {
  if (a.rows() != b.rows()) return "rows " + std::to_string(a.rows()) + " vs " + std::to_string(b.rows());
  if (a.columns.size() != b.columns.size()) return "column counts differ";
  for (std::size_t k = 0; k < a.columns.size(); ++k) {
    const Column& x = a.columns[k];
    const Column& y = b.columns[k];
    const std::string name = x.spec().name;
    if (name != y.spec().name || x.kind() != y.kind() || x.spec().nullable != y.spec().nullable) return "spec of " + name;
    if (x.validity() != y.validity()) return "validity of " + name;
    for (std::size_t r = 0; r < x.size(); ++r) {
      if (x.kind() == ColumnKind::Float) {
        double p = x.floatAt(r), q = y.floatAt(r);
        if (std::memcmp(&p, &q, sizeof p) != 0) return name + " row " + std::to_string(r) + ": " + std::to_string(p) + " vs " + std::to_string(q);
      } else if (storesInts(x.kind())) {
        if (x.intAt(r) != y.intAt(r)) return name + " row " + std::to_string(r) + ": " + std::to_string(x.intAt(r)) + " vs " + std::to_string(y.intAt(r));
      } else if (x.isNull(r) != y.isNull(r) || (!x.isNull(r) && x.stringAt(r) != y.stringAt(r))) {
        return name + " row " + std::to_string(r);
      }
    }
  }
  return "";
}

class JitTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string why;
    jit_ = new PluginJit(PluginJit::defaultPluginPath());
    ASSERT_TRUE(jit_->load(why)) << why;
  }
  static void TearDownTestSuite() {
    delete jit_;
    jit_ = nullptr;
  }
  using PluginJit = runtime::jit::PluginJit;
  static PluginJit* jit_;

  // Runs `steps` both ways over `input`; the JIT must compile them when `compiles`.
  void both(const Table& input, const std::vector<const plan::Node*>& steps, const std::string& what, bool compiles = true) {
    RowPipeline interpreted(specsOf(input), steps, {});
    RowPipeline compiled(specsOf(input), steps, {}, jit_, what);
    EXPECT_EQ(compiled.compiled(), compiles) << what << (jit_->events().empty() ? "" : ": " + PluginJit::describe(jit_->events().back()));
    Table expected = interpreted.run(input, nullptr);
    Table actual = compiled.run(input, nullptr);
    EXPECT_EQ(difference(expected, actual), "") << what;
  }

  void derive(const Table& input, const std::string& text, bool compiles = true) {
    Parsed parsed(text);
    ASSERT_FALSE(parsed.parsed.diags.hasErrors()) << text;
    plan::Node node;
    node.kind = plan::NodeKind::Derive;
    node.assignments.emplace_back("v", parsed.expr());
    both(input, {&node}, text, compiles);
  }
};

runtime::jit::PluginJit* JitTest::jit_ = nullptr;

const char* const kExpressions[] = {
    // arithmetic: wrapping ints, division and modulo by zero as null, NaN and infinities
    "i + j", "i - j", "i * j", "i % j", "i / j", "f + g", "f - g", "f * g", "f / g", "f % g", "i + f", "i / f", "f % i",
    "-i", "-f", "i * 3 + j * 2 - 1", "(f + 1.5) * (g - 2) / (f * f + 1)", "i % 0", "i / 0", "f / 0.0", "1 + 2", "null + i",
    "i + null", "i % -1",
    // comparisons: NaN is unequal to everything, dates against dates
    "i < j", "i <= j", "i == j", "i != j", "i > j", "i >= j", "f < g", "f == g", "f != g", "f >= g", "i < f", "f == i",
    "d < d", "d == d", "i == null", "b == c",
    // three-valued logic
    "b and c", "b or c", "not b", "not (b and c)", "b and null", "null or c", "i > 0 and f > 0", "i > 0 or f > 0",
    "not (i > j)", "i is null", "f is not null", "s is null", "null is null", "i between j and 10",
    "f not between -1 and 1", "i in [1, 2, 3]", "i not in [1, null, 7]", "f in [1.5, 3]", "i in [1.5, 2]",
    // if / case / coalesce, int and float mixing, null choices
    "if i > 0 then i else j", "if f > 0 then f else i", "if b then 1 else null", "if b then null else f",
    "case { when i > 5 then 1 when f < 0 then 2.5 else 0 }", "case { when b then i when c then j }",
    "case { when i is null then -1 else i * 2 }", "coalesce(i, j)", "coalesce(f, i, 0)", "coalesce(f, g)",
    // math built-ins
    "abs(i)", "abs(f)", "round(f)", "floor(f)", "ceil(f)", "round(i)", "sqrt(f)", "sqrt(i)", "log(f)", "log(i)", "exp(f)",
    "year(d)", "month(d)", "day(d)", "year(d) * 100 + month(d)", "exp(i)", "pow(f, g)", "pow(i, 2)", "pow(f, 0.5)", "min(i, j)", "max(i, j)", "min(f, g)", "max(f, i)", "min(i, 2.5)",
    // categories against text: codes against the level's index, either side, a text no level has
    "k == \"gold\"", "k != \"silver\"", "\"bronze\" == k", "\"gold\" != k", "k == \"nope\"", "\"nope\" != k",
    "k == \"gold\" and i > 0", "if k == \"bronze\" then f else g", "(k != \"gold\") is null",
    // nested, as the benchmark's columns are
    "case { when f > 0 then sqrt(f) * log(abs(g) + 1) when f < -1 then exp(g / 100) else pow(abs(f), 1.5) } + i % 7",
    "if abs(i - j) > 3 and not (f < g) then round(f * 100) / 100 else -abs(g)",
};

TEST_F(JitTest, EveryExpressionGivesTheInterpretersBytes) {
  Table input = sample(1000);
  for (const char* text : kExpressions) derive(input, text);
}

TEST_F(JitTest, ManyMorselsAndFiltersGiveTheInterpretersBytes) {
  // Past one morsel, with filters before and after derives, a select and a rename.
  Table input = sample(3 * kMorselRows + 123);
  Parsed keep("i is null or i % 3 != 0"), a("f * 2 + i"), c("a > 0 and b"), later("not c or f > 1");
  plan::Node filter1;
  filter1.kind = plan::NodeKind::Filter;
  filter1.condition = keep.expr();
  plan::Node derive;
  derive.kind = plan::NodeKind::Derive;
  derive.assignments.emplace_back("a", a.expr());
  derive.assignments.emplace_back("c", c.expr());
  plan::Node filter2;
  filter2.kind = plan::NodeKind::Filter;
  filter2.condition = later.expr();
  plan::Node rename;
  rename.kind = plan::NodeKind::Rename;
  rename.renames.emplace_back("alpha", "a");
  both(input, {&filter1, &derive, &filter2, &rename}, "filters, derives and a rename over many morsels");
}

TEST_F(JitTest, TheReportSaysWhetherTheLoopWasVectorized) {
  // Straight arithmetic (intrinsics such as sqrt included) is vectorized; a loop that calls libm
  // (log) or the date parts is not even offered to the vectorizer. The same bytes either way.
  Table input = sample(1000);
  const std::pair<const char*, bool> cases[] = {{"f * 2.5 + g - i", true}, {"sqrt(f) + i", true}, {"log(f) + i", false}, {"year(d) + i", false}};
  for (const auto& [text, vectorized] : cases) {
    derive(input, text);
    std::vector<runtime::jit::KernelEvent> events = jit_->events();
    ASSERT_FALSE(events.empty());
    EXPECT_EQ(events.back().outcome, runtime::jit::KernelEvent::Outcome::Compiled) << text;
    EXPECT_EQ(events.back().vectorized, vectorized) << text;
    EXPECT_EQ(PluginJit::describe(events.back()).find(", vectorized)") != std::string::npos, vectorized) << PluginJit::describe(events.back());
  }
}

const char* const kTextExpressions[] = {
    // a string column against a text: its code in the column's dictionary, either side
    "s == \"odd\"", "s != \"odd\"", "s == \"\"", "s != \"\"", "\"été\" == s", "\"日本\" != s", "s == \"absent\"",
    "\"absent\" != s", "t == \"only in t\"", "s == \"odd\" and t != \"été\"", "if s == \"日本\" then i else -1",
    "(s == \"odd\") is null", "s is null", "t is not null",
    // two string columns: the same dictionary (codes) or not (bytes)
    "s == t", "s != t", "t == s", "s == u", "u != s", "s == s", "if s != t then 1 else 0", "s == t or i > 5",
    // in a list of texts, nulls in it
    "s in [\"odd\", \"\", \"日本\"]", "s not in [\"été\", null]", "t in [\"absent\"]", "s not in [\"absent\", \"odd \"]",
    "k in [\"gold\", \"nope\"]", "k not in [\"silver\", null]", "m in [\"gold\"]",
    // categories of the same levels compared by their codes
    "k == l", "k != l", "k < l", "k >= l", "if k == l then i else null",
};

TEST_F(JitTest, EveryTextComparisonGivesTheInterpretersBytes) {
  for (std::size_t rows : {std::size_t{0}, std::size_t{1}, std::size_t{777}}) {
    Table input = textSample(rows);
    for (const char* text : kTextExpressions) derive(input, text);
  }
}

TEST_F(JitTest, TextFiltersOverManyMorselsGiveTheInterpretersBytes) {
  // Past one morsel, a filter on text keeping some rows, then a derive on the kept rows.
  Table input = textSample(2 * kMorselRows + 77);
  Parsed keep("s == \"odd\" or t in [\"日本\", \"\"] or s == t"), value("if s != u then i else -i");
  plan::Node filter;
  filter.kind = plan::NodeKind::Filter;
  filter.condition = keep.expr();
  plan::Node derive;
  derive.kind = plan::NodeKind::Derive;
  derive.assignments.emplace_back("v", value.expr());
  both(input, {&filter, &derive}, "text filters and derives over many morsels");
}

TEST_F(JitTest, ConversionsDateLiteralsAndFillsGiveTheInterpretersBytes) {
  Table input = sample(3 * kMorselRows + 9);
  const char* const texts[] = {"d < date(\"1970-03-01\")", "if b then d else date(\"1999-12-31\")", "timestamp(\"2024-12-08T05:09:00Z\")",
                               "d == date(\"1969-12-31\") or b", "int(b)", "float(i)", "float(f)", "int(d) + 1", "float(b) / 2",
                               "coalesce(b, c)", "coalesce(d, d)", "coalesce(b, c, true)", "int(null)"};
  for (const char* text : texts) derive(input, text);
  derive(input, "date(\"the 5th\")", /*compiles=*/false);  // the interpreter's null
  derive(input, "int(f)", /*compiles=*/false);
  // fill: an int with an int, a float with an int or a float, a bool, a date, a column, null.
  const std::pair<const char*, const char*> fills[] = {{"i", "0"}, {"i", "j * 2"}, {"f", "i"}, {"f", "g + 0.5"}, {"b", "true"},
                                                       {"d", "date(\"2024-02-29\")"}, {"c", "b"}, {"g", "null"}};
  for (const auto& [column, text] : fills) {
    Parsed value(text);
    plan::Node node;
    node.kind = plan::NodeKind::Fill;
    node.fills.emplace_back(column, value.expr());
    both(input, {&node}, std::string("fill ") + column + " = " + text);
  }
}

TEST_F(JitTest, HoistedAggregatesAreTheRunsConstantsAndGiveTheInterpretersBytes) {
  // The table of scalars a node with hoisted aggregates gets: one row, a null among them.
  Table scalars;
  Column total(ColumnSpec{"total", ColumnKind::Float, false, {}}), n(ColumnSpec{"n", ColumnKind::Int, false, {}});
  Column none(ColumnSpec{"none", ColumnKind::Float, true, {}}), zero(ColumnSpec{"zero", ColumnKind::Int, false, {}});
  Column label(ColumnSpec{"label", ColumnKind::String, true, {}});
  total.appendFloat(-12.5);
  n.appendInt(7);
  none.appendNull();
  zero.appendInt(0);
  label.appendString("odd");
  for (Column* c : {&total, &n, &none, &zero, &label}) scalars.columns.push_back(std::move(*c));
  Table input = sample(2 * kMorselRows + 5);
  const char* const texts[] = {"f - total", "i * n + 1", "f / none", "i % zero", "if i > n then total else f", "n", "total",
                               "none is null", "coalesce(none, f, total)", "i > n and f < total", "case { when total < 0 then n else i }"};
  for (const char* text : texts) {
    Parsed parsed(text);
    plan::Node node;
    node.kind = plan::NodeKind::Derive;
    node.assignments.emplace_back("v", parsed.expr());
    RowPipeline interpreted(specsOf(input), {&node}, specsOf(scalars));
    RowPipeline compiled(specsOf(input), {&node}, specsOf(scalars), jit_, text);
    EXPECT_TRUE(compiled.compiled()) << text << ": " << PluginJit::describe(jit_->events().back());
    EXPECT_EQ(difference(interpreted.run(input, &scalars), compiled.run(input, &scalars)), "") << text;
  }
  // A hoisted text is the interpreter's.
  Parsed text("if s == label then 1 else 0");
  plan::Node node;
  node.kind = plan::NodeKind::Derive;
  node.assignments.emplace_back("v", text.expr());
  EXPECT_FALSE(RowPipeline(specsOf(input), {&node}, specsOf(scalars), jit_, "label").compiled());
}

TEST_F(JitTest, TextFallsBackToTheInterpreterWithAReason) {
  Table input = sample(100);
  derive(input, "s < \"odd\"", /*compiles=*/false);
  std::vector<runtime::jit::KernelEvent> events = jit_->events();
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().outcome, runtime::jit::KernelEvent::Outcome::Interpreted);
  EXPECT_NE(PluginJit::describe(events.back()).find("interpreted: the JIT does not support"), std::string::npos);
}

TEST(JitPluginTest, AMissingPluginMeansTheInterpreterRunsWithTheReasonReported) {
  Table input = sample(100);
  Parsed value("i * 2 + j");
  plan::Node node;
  node.kind = plan::NodeKind::Derive;
  node.assignments.emplace_back("v", value.expr());
  std::string plugin = runtime::jit::PluginJit::defaultPluginPath();
  ASSERT_FALSE(plugin.empty());
  runtime::jit::PluginJit missing(plugin + ".missing");
  RowPipeline pipeline(specsOf(input), {&node}, {}, &missing, "v");
  EXPECT_FALSE(pipeline.compiled());
  EXPECT_EQ(difference(RowPipeline(specsOf(input), {&node}, {}).run(input, nullptr), pipeline.run(input, nullptr)), "");
  std::string why;
  EXPECT_TRUE(missing.failed(why));
  EXPECT_NE(why.find("the JIT plugin cannot be loaded"), std::string::npos) << why;
  auto events = missing.events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].outcome, runtime::jit::KernelEvent::Outcome::Interpreted);
  EXPECT_EQ(runtime::jit::PluginJit::describe(events[0]).rfind("jit: v: interpreted: the JIT plugin cannot be loaded", 0), 0u)
      << runtime::jit::PluginJit::describe(events[0]);
  // The plugin beside the binary loads; a JIT never asked for a kernel never loads it.
  runtime::jit::PluginJit present(plugin);
  EXPECT_FALSE(present.failed(why));
  EXPECT_EQ(present.loadMilliseconds(), 0.0);
}

TEST(JitPluginTest, AKernelCompiledAheadIsReportedOnceWhenItsNodeUsesItAndAsUnusedOtherwise) {
  Table input = sample(100);
  Parsed used("i * 3 + j"), other("f - g * 2");
  plan::Node node, unused;
  node.kind = unused.kind = plan::NodeKind::Derive;
  node.assignments.emplace_back("v", used.expr());
  unused.assignments.emplace_back("v", other.expr());
  runtime::jit::PluginJit jit(runtime::jit::PluginJit::defaultPluginPath());
  // The kernels as the executor hands them over ahead: built by a pipeline, prepared.
  PreparingCompiler ahead(jit);
  RowPipeline(specsOf(input), {&node}, {}, &ahead, "used");
  RowPipeline(specsOf(input), {&unused}, {}, &ahead, "unused");
  RowPipeline pipeline(specsOf(input), {&node}, {}, &jit, "used");
  ASSERT_TRUE(pipeline.compiled());
  EXPECT_EQ(difference(RowPipeline(specsOf(input), {&node}, {}).run(input, nullptr), pipeline.run(input, nullptr)), "");
  auto events = jit.events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].label, "used");
  EXPECT_EQ(events[0].outcome, runtime::jit::KernelEvent::Outcome::Compiled);
  EXPECT_TRUE(events[0].ahead);
  EXPECT_NE(runtime::jit::PluginJit::describe(events[0]).find(", ahead of its input)"), std::string::npos);
  EXPECT_EQ(events[1].label, "unused");
  EXPECT_EQ(events[1].outcome, runtime::jit::KernelEvent::Outcome::Unused);
  EXPECT_NE(runtime::jit::PluginJit::describe(events[1]).find("not used"), std::string::npos);
}

TEST(JitCacheTest, ASecondJitLoadsTheCompiledObjectInsteadOfCompilingAndADamagedOneIsReplaced) {
  namespace fs = std::filesystem;
  fs::path folder = fs::temp_directory_path() / ("weir-jit-cache-" + std::to_string(::getpid()));
  fs::remove_all(folder);
  fs::create_directories(folder);
  Table input = sample(500);
  Parsed value("case { when f > 0 then sqrt(f) else i * 2 }");
  plan::Node node;
  node.kind = plan::NodeKind::Derive;
  node.assignments.emplace_back("v", value.expr());
  Table expected = RowPipeline(specsOf(input), {&node}, {}).run(input, nullptr);
  // Compiled, then loaded; then, the object damaged, compiled again (and the object replaced).
  for (int run = 0; run < 3; ++run) {
    if (run == 2) {
      for (const auto& entry : fs::directory_iterator(folder / ".weir" / "jit")) {
        std::ofstream(entry.path(), std::ios::trunc) << "not an object file";
      }
    }
    std::string why;
    auto jit = std::make_unique<runtime::jit::PluginJit>(runtime::jit::PluginJit::defaultPluginPath());
    ASSERT_TRUE(jit->load(why)) << why;
    jit->setCacheFolder(folder.string(), (folder / ".weir" / "jit").string());
    RowPipeline pipeline(specsOf(input), {&node}, {}, jit.get(), "v");
    ASSERT_TRUE(pipeline.compiled());
    EXPECT_EQ(difference(expected, pipeline.run(input, nullptr)), "");
    auto events = jit->events();
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].outcome, run == 1 ? runtime::jit::KernelEvent::Outcome::Cached : runtime::jit::KernelEvent::Outcome::Compiled) << run;
  }
  std::size_t objects = 0;
  for (const auto& entry : fs::directory_iterator(folder / ".weir" / "jit")) objects += entry.path().extension() == ".o";
  EXPECT_EQ(objects, 1u);
  fs::remove_all(folder);
}

// Every kernel offered, with its fingerprint; compiles nothing (the interpreter runs).
class RecordingCompiler : public KernelCompiler {
 public:
  KernelEntry compile(const PhysicalKernel& kernel, const std::string& label, std::string& why) override {
    std::lock_guard lock(mutex_);
    offers.emplace_back(label, kernel.fingerprint());
    why = "recording only";
    return nullptr;
  }
  void interpreted(const std::string&, const std::string&) override {}
  void setCacheFolder(const std::string&, const std::string&) override {}
  std::vector<std::pair<std::string, std::string>> offers;

  // The fingerprints of the kernels offered under `label`, in the order offered.
  std::vector<std::string> fingerprintsOf(const std::string& label) const {
    std::vector<std::string> fingerprints;
    for (const auto& [offered, fingerprint] : offers) {
      if (offered == label) fingerprints.push_back(fingerprint);
    }
    return fingerprints;
  }

 private:
  std::mutex mutex_;
};

// Runs a small project's program without the cache, offering its kernels to `compiler`.
engine::RunResult runOffering(const std::filesystem::path& root, KernelCompiler& compiler) {
  engine::RunRequest request;
  request.file = (root / "main.mlflow").string();
  request.useCache = false;
  request.kernels = &compiler;
  engine::Workspace workspace;
  return engine::RunSession(workspace, request).run();
}

class JitAheadTest : public test::SmallProjectTest {
 protected:
  JitAheadTest()
      : SmallProjectTest("weir-jit-ahead-", "pipeline p\n"
                                            "schema S { id: int, x: float }\n"
                                            "source s: S = csv(\"s.csv\")\n"
                                            "let big = s | derive y = x * 2, z = id + 1\n"
                                            "sink out = big to csv(\"out/big.csv\")\n") {}
};

TEST_F(JitAheadTest, ARowPipelineIsOfferedWhenTheRunStartsWithTheKernelItsNodeOffersLater) {
  // Offered twice: ahead of its input, over the columns the plan promises, then by the node
  // over the columns read; the same kernel both times, so the JIT compiles it once.
  RecordingCompiler compiler;
  engine::RunResult result = runOffering(root_, compiler);
  ASSERT_TRUE(result.ran());
  EXPECT_FALSE(result.report.failed);
  std::vector<std::string> fingerprints = compiler.fingerprintsOf("big");
  ASSERT_EQ(fingerprints.size(), 2u);
  EXPECT_EQ(fingerprints[0], fingerprints[1]);
}

class JitAheadFilterTest : public test::SmallProjectTest {
 protected:
  JitAheadFilterTest()
      : SmallProjectTest("weir-jit-ahead-filter-", "pipeline p\n"
                                                   "schema S { id: int, x: float }\n"
                                                   "source s: S = csv(\"s.csv\")\n"
                                                   "let big = s | where x > 1.5 and id != 3\n"
                                                   "sink out = big to csv(\"out/big.csv\")\n") {}
};

TEST_F(JitAheadFilterTest, AFilterPushedIntoACsvScanIsOfferedAheadOfTheReadWithTheKernelTheScanOffers) {
  RecordingCompiler compiler;
  ASSERT_TRUE(runOffering(root_, compiler).ran());
  std::vector<std::string> fingerprints = compiler.fingerprintsOf("s (the filter of `big` pushed into its scan)");
  ASSERT_EQ(fingerprints.size(), 2u) << compiler.offers.size();
  EXPECT_EQ(fingerprints[0], fingerprints[1]);
}

TEST_F(JitAheadTest, GcKeepsTheMostRecentlyUsedObjectsWithinTheSize) {
  namespace fs = std::filesystem;
  engine::RunRequest request;
  request.file = (root_ / "main.mlflow").string();
  request.useCache = false;
  engine::Workspace workspace;
  ASSERT_TRUE(engine::RunSession(workspace, request).run().ran());  // gc needs a recorded run
  fs::create_directories(root_ / ".weir" / "jit");
  for (int k = 0; k < 5; ++k) {
    fs::path object = root_ / ".weir" / "jit" / ("k" + std::to_string(k) + ".o");
    std::ofstream(object) << std::string(1000, 'x');
    fs::last_write_time(object, fs::file_time_type::clock::now() - std::chrono::minutes(k));  // k0 used last
  }
  std::string error;
  std::optional<engine::Project> project = engine::Project::ofExistingPath(root_.string(), error);
  ASSERT_TRUE(project) << error;
  engine::CollectRequest collect;
  collect.jitMaxBytes = 2500;
  engine::Collection result = engine::collect(*project, collect);
  ASSERT_EQ(result.error, "");
  EXPECT_EQ(result.jit.kept, 2u);
  EXPECT_EQ(result.jit.removed, 3u);
  EXPECT_EQ(result.jit.bytesFreed, 3000u);
  for (int k = 0; k < 5; ++k) EXPECT_EQ(fs::exists(root_ / ".weir" / "jit" / ("k" + std::to_string(k) + ".o")), k < 2) << k;
}

}  // namespace
