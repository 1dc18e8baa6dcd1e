#pragma once

// The table operators of LANGUAGE.md section 6 that are not row by row. Each takes its plan
// node (what to do) and its inputs' tables; each throws OperatorError when it cannot run.
// Every result is deterministic: the same inputs give the same rows in the same order.

#include "plan/Plan.h"
#include "table/Table.h"

#include <cstdint>
#include <memory>
#include <vector>

namespace weir::runtime {

// `group k... { c = agg(e) }`: one row per distinct key, in order of first appearance (a null
// key is a group of its own). Without keys (hoisted whole-table aggregates): one row.
Table aggregate(const plan::Node& node, const Table& input);

// `group` fed its input a piece at a time, in row order (a scan streaming into it): the same
// result as `aggregate` on the whole input, without holding it. Each aggregate must be one
// aggregate call of a row expression (`sum(x * y)`, `count()`); see `supports`.
class StreamingAggregate {
 public:
  static bool supports(const plan::Node& node);
  StreamingAggregate(const plan::Node& node, const std::vector<ColumnSpec>& input);
  ~StreamingAggregate();
  void consume(const Table& piece);
  Table finish();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// `join [inner|left] t on k [= k2]`: the left rows in order, each with its matching right rows
// in their order; a null key matches nothing. Left joins keep unmatched left rows (right columns
// null).
Table join(const plan::Node& node, const Table& left, const Table& right);

// `sort c [desc], ...`: stable; nulls last in either direction; strings by bytes, categories
// in level order.
Table sort(const plan::Node& node, const Table& input);
// The rows of `input` in the order of `keys`, as `sort` orders them (ties in row order).
std::vector<std::uint32_t> sortedOrder(const std::vector<plan::Node::SortColumn>& keys, const Table& input);

// `window by k order t { c = f }`: the input's rows in their order, with a column per window
// function. Rows are ordered by the partition keys, then the order keys, ties in row order (so
// the result is the same for every thread count); each output row's value is computed from its
// partition's rows alone: `lag`/`lead` the value n rows before/after, `row_number` the position
// (from 1), `rank` one plus the rows before it with a different order key, an aggregate its
// frame's rows (`over N rows`: this row and the N - 1 before it; `over d`: the rows whose first
// order value is within d before this row's, up to this row; a row whose time is null: itself).
Table window(const plan::Node& node, const Table& input);

// `join asof t on k at c = c2 [within d]`: each left row, in order, with the right row of the
// same keys whose `c2` is the latest at or before its `c` (the last such row in right order on a
// tie), not older than d; without one, or when a key or `c` is null, the right columns are null.
Table asofJoin(const plan::Node& node, const Table& left, const Table& right);
// A join's output, in the node's schema: row i joins left row `leftRows[i]` (with no `leftRows`,
// left row i, every left row once in order) and right row `rightRows[i]` (kNoRow: nulls).
Table joinedRows(const plan::Node& node, const Table& left, const std::vector<std::uint32_t>* leftRows, const Table& right,
                 const std::vector<std::uint32_t>& rightRows);

// `take n`: the first n rows.
Table take(const plan::Node& node, const Table& input);

// `distinct [c, ...]`: the first row of each distinct key (every column when none is named).
Table distinct(const plan::Node& node, const Table& input);

// `union t`: the rows of the first input, then of the second, as the node's schema.
Table unionAll(const plan::Node& node, const Table& first, const Table& second);

// `sample fraction [seed = n] [stratify = c]`: round(fraction * rows) rows chosen by a seeded
// hash of their position (within each value of `c` when stratified), kept in their order.
Table sample(const plan::Node& node, const Table& input);

// `split(t, f1, ..., seed = n, stratify = c)`: the part (0, 1, ...) of each row. Within each
// stratum (or the whole table) rows are ordered by a seeded hash of their position and cut at
// the cumulative fractions; the last part takes the rest.
std::vector<std::uint8_t> splitParts(const plan::Node& node, const Table& input);
Table splitPart(const Table& input, const std::vector<std::uint8_t>& parts, std::size_t part);

// The value of a constant argument expression (`take 10`, `seed = 42`, `0.8`).
double constantNumber(const ast::Expr& expr, const char* what);

}  // namespace weir::runtime
