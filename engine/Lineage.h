#pragma once

// Where data comes from and goes: every declaration of a program with the declarations it reads
// and that read it, its columns' source columns, and the recorded runs that produced it.

#include "engine/Workspace.h"

#include <map>
#include <optional>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace weir::engine {

struct RecordedRun {
  std::int64_t run = 0;
  std::string started;  // ISO 8601, UTC
  std::string status;
  std::size_t rows = 0;
};

struct DeclarationLineage {
  std::string name;
  std::string kind;   // of its result node
  std::string where;  // "line N" (or "path:line" outside the root file)
  std::uint32_t line = 0;
  std::set<std::string> upstream, downstream;
  std::vector<std::pair<std::string, std::vector<std::string>>> columns;  // name, source columns
  std::vector<RecordedRun> runs;  // newest first, at most five
};

struct ProgramLineage {
  std::shared_ptr<const Compilation> compilation;  // when it is not ok, nothing else is set
  std::string program;  // canonical path of the root file
  std::map<std::string, DeclarationLineage> declarations;
};

ProgramLineage programLineage(Workspace& workspace, const std::string& file);

// The declarations that node `id` reads, through the nodes of its own declaration (a source
// read through a pushed-down filter included).
std::set<std::string> declarationsRead(const plan::Plan& plan, plan::NodeId id);

// What to show of a program's lineage: everything, one declaration with everything upstream and
// downstream of it, or one column (`NAME.COLUMN`) and the columns it flows into.
struct LineageSelection {
  std::string only;    // the declaration asked for (empty: all)
  std::string column;  // the column asked for (empty: all)
  std::set<std::string> shown;  // declarations to show
  // Whether a column of `declaration` is the asked-for column or carries it downstream (the same
  // name and source columns: lineage is kept as source columns, so a column computed from it
  // under another name is not followed).
  bool derivesFromColumn(const std::string& declaration, const std::string& name, const std::vector<std::string>& origins) const;

  std::set<std::string> downstream;     // of `only`
  std::set<std::string> columnOrigins;  // of `only.column`
};

// The selection for `name` (empty: everything); nullopt with `error` when it names nothing.
std::optional<LineageSelection> selectLineage(const ProgramLineage& lineage, const std::string& name, std::string& error);

// A UUID (version 8: derived from a hash, RFC 9562) that names `text` (a run of a declaration).
std::string uuidOf(const std::string& text);

}  // namespace weir::engine
