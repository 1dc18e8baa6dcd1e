#pragma once

// A fused row pipeline (filters and derives over a morsel) in typed physical form: every name
// resolved to a slot (an input column or a value computed by an earlier step), every kind,
// literal and conversion decided once, from the checked expressions and the input's column
// specs. Backends (the LLVM JIT) consume it and must give the interpreter's values byte for
// byte, the values under nulls included (docs/RUNTIME.md, "JIT").
//
// The form covers numbers, bools, dates and timestamps; categories compared with a text or a
// category of the same levels (their codes against the level's index); and string columns
// compared for equality (`==`, `!=`, `in`) with a text (their dictionary codes against the
// text's code, found once per run: PhysicalKernel::texts) or with another string column (their
// bytes, through a runtime helper); and hoisted aggregates of those kinds (the run's values,
// PhysicalKernel::scalarColumns). What it does not cover (other text, aggregates, `fill`) is
// refused with a reason, and the interpreter runs the kernel.

#include "table/Table.h"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace weir::ast {
struct Expr;
struct BinaryExpr;
enum class BinaryOp;
}

namespace weir::runtime {

enum class PhysicalOp : std::uint8_t {
  Slot, Int, Float, Null,
  Add, Sub, Mul, Div, Mod,
  Eq, Ne, Lt, Le, Gt, Ge,
  And, Or, Not, Negate, IsNull, IsNotNull,
  Choose,      // args: condition, value, condition, value, ..., the value when none holds
  In, NotIn,   // args[0] in args[1..]
  Abs, Round, Floor, Ceil, Sqrt, Log, Exp, Pow, Min, Max, Coalesce,
  Year, Month, Day,  // of a date or timestamp (a call of the interpreter's datePart)
  Convert,     // args[0] stored as a column of `kind`: null rows hold 0 (as toColumn and arrange do)
  Text,        // kernel.texts[intValue]'s code in its string column's dictionary (-1: absent), kind String
  TextEqual,   // two string slots' values equal byte for byte (intValue 1: unequal); null rows hold 0
  Scalar,      // hoisted aggregate kernel.scalarColumns[intValue] (the run's value and validity), scalar
};

struct PhysicalExpr {
  PhysicalOp op = PhysicalOp::Int;
  ColumnKind kind = ColumnKind::Int;  // the result's kind, as the interpreter's vector has it
  bool nullType = false;              // the literal `null`: null in every row
  bool scalar = false;                // the same value for every row (no slot below it)
  std::size_t slot = 0;               // Slot
  std::int64_t intValue = 0;          // Int; Text, Scalar: an index in kernel.texts, scalarColumns; TextEqual: negated
  double floatValue = 0;              // Float
  std::vector<PhysicalExpr> args;
};

// The kernel over a morsel: slots [0, inputs.size()) are the input's columns; each compute step
// fills the next slot. A row is kept when every filter holds (null counts as false).
struct PhysicalKernel {
  struct Step {
    bool filter = false;
    PhysicalExpr expr;  // the condition, or the value of slot `slot`
    std::size_t slot = 0;
  };
  struct Output {
    ColumnSpec spec;       // the output column (name, kind, nullability, levels)
    std::size_t slot = 0;  // an input slot is copied through (gathered), a computed one stored
  };
  // A text compared with a string column's codes: its code in that column's dictionary, which
  // only the run knows (a dictionary is the data's), so the code is passed in (KernelEntry).
  struct TextConstant {
    std::size_t slot = 0;  // the string input column
    std::string text;
  };
  std::vector<ColumnSpec> inputs;
  std::vector<ColumnKind> slotKinds;  // every slot's kind (inputs first)
  std::vector<TextConstant> texts;
  // Hoisted aggregates read (a number, bool, date or timestamp): their columns in the table of
  // scalars the run passes, whose one row's value and validity the run passes in as constants.
  std::vector<std::size_t> scalarColumns;
  std::vector<Step> steps;
  std::vector<Output> outputs;

  // Where the run's constants are (KernelEntry): texts' codes, scalars (value, then validity),
  // input slots' dictionaries.
  std::size_t scalarConstant(std::size_t k) const { return texts.size() + 2 * k; }
  std::size_t dictionaryConstant(std::size_t slot) const { return texts.size() + 2 * scalarColumns.size() + slot; }
  std::size_t constants() const { return texts.size() + 2 * scalarColumns.size() + inputs.size(); }

  bool filters() const;
  bool computed(std::size_t slot) const { return slot >= inputs.size(); }
  // A canonical text of everything code generation depends on (kinds, operations, constants,
  // slots; not names), for the compiled-object cache's key.
  std::string fingerprint() const;
};

// Builds a kernel step by step, mirroring RowPipeline's steps: the current layout is a list of
// (name, slot) pairs in column order. Any refusal leaves `error()` set; the builder is then
// unusable and the kernel runs in the interpreter.
class PhysicalKernelBuilder {
 public:
  // `scalars`: the hoisted aggregates the expressions may name (the run's table of scalars).
  explicit PhysicalKernelBuilder(const std::vector<ColumnSpec>& input, const std::vector<ColumnSpec>& scalars = {});

  void filter(const ast::Expr& condition);
  // One assignment of a derive: `value` stored as a column of `spec` (replacing a column of that
  // name, or appended).
  void assign(const ColumnSpec& spec, const ast::Expr& value);
  // One assignment of a `fill`: the column's nulls take `value`.
  void fill(const ColumnSpec& spec, const ast::Expr& value);
  void rename(const std::vector<std::pair<std::string, std::string>>& renames);  // (new, old)
  // The layout after a step (arrange): columns by name, converted to their spec's kind.
  void arrange(const std::vector<ColumnSpec>& specs);
  void refuse(std::string why);

  const std::string& error() const { return error_; }
  // The kernel (with outputs: the last arranged layout), or none when refused.
  std::optional<PhysicalKernel> finish();

 private:
  std::optional<PhysicalExpr> build(const ast::Expr& e);
  std::optional<PhysicalExpr> columnAgainstText(const ast::BinaryExpr& b);
  std::optional<PhysicalExpr> textBetweenColumns(ast::BinaryOp op, std::vector<PhysicalExpr> args);
  // `text` as compared with input column `column` (a string's code, a category's level index).
  PhysicalExpr textFor(const PhysicalExpr& column, const std::string& text);
  std::optional<PhysicalExpr> fail(std::string why);
  void place(const ColumnSpec& spec, PhysicalExpr value);
  std::size_t addSlot(ColumnKind kind);
  std::optional<std::size_t> find(const std::string& name) const;

  PhysicalKernel kernel_;
  std::vector<std::pair<std::string, std::size_t>> layout_;
  std::vector<ColumnSpec> arranged_;
  std::vector<ColumnSpec> scalars_;
  std::string error_;
};

}  // namespace weir::runtime
