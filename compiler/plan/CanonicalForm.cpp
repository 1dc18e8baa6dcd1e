#include "plan/CanonicalForm.h"

#include "ast/AstPrinter.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <set>

namespace weir::plan {

using namespace weir::ast;

namespace {

std::string ident(const std::string& name) { return isPlainIdentifier(name) ? name : "`" + name + "`"; }

std::string expr(const std::shared_ptr<const Expr>& e) { return e ? printExpr(*e) : "?"; }

// A setting's value as the runtime reads it (strings decoded), written back so that names,
// numbers and booleans read as themselves and anything else as a string.
std::string value(const std::string& text) {
  auto number = [&] {
    std::size_t start = !text.empty() && text[0] == '-' ? 1 : 0;
    if (start >= text.size() || !std::isdigit(static_cast<unsigned char>(text[start]))) return false;
    return std::all_of(text.begin() + static_cast<std::ptrdiff_t>(start), text.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '+' || c == '-';
    });
  };
  return isPlainIdentifier(text) || number() ? text : stringLiteral(text);
}

std::string columns(const sema::TableType& table) {
  std::string out = "(columns";
  for (const sema::ColumnType& column : table.columns) out += " " + ident(column.name) + ":" + column.type.str();
  return out + ")";
}

std::string names(const char* head, const std::vector<std::string>& list) {
  std::string out = std::string("(") + head;
  for (const std::string& name : list) out += " " + ident(name);
  return out + ")";
}

// `(settings (name value) ...)`, sorted by name (their order in the source does not matter).
std::string settings(const std::map<std::string, std::string>& options) {
  std::string out = "(settings";
  for (const auto& [name, text] : options) out += " (" + ident(name) + " " + value(text) + ")";
  return out + ")";
}

std::string settings(const std::vector<Node::Setting>& entries) {
  std::vector<const Node::Setting*> sorted;
  for (const Node::Setting& s : entries) sorted.push_back(&s);
  std::stable_sort(sorted.begin(), sorted.end(), [](const Node::Setting* a, const Node::Setting* b) { return a->name < b->name; });
  std::string out = "(settings";
  for (const Node::Setting* s : sorted) out += " (" + ident(s->name) + " " + (s->value ? printExpr(*s->value) : settings(s->block)) + ")";
  return out + ")";
}

// The reader or writer: `(call csv "data/a.csv")`; its named arguments are settings.
std::string io(const Node::Io& io) {
  return "(call " + ident(io.format) + (io.path.empty() ? "" : " " + stringLiteral(io.path)) + ")";
}

std::string assignments(const std::vector<std::pair<std::string, std::shared_ptr<const Expr>>>& list) {
  std::string out;
  for (const auto& [name, value] : list) out += " " + ident(name) + "=" + expr(value);
  return out;
}

// The user functions and rules the node's expressions may call, which the runtime inlines.
std::string functions(const Node& node) {
  std::string out;
  for (const auto& [callee, function] : node.functions) {
    out += " (def " + callee + " (";
    if (!function->tableParam.empty()) out += "(table " + ident(function->tableParam) + ")" + (function->params.empty() ? "" : " ");
    for (std::size_t i = 0; i < function->params.size(); ++i) out += (i == 0 ? "" : " ") + ident(function->params[i]);
    out += ") " + expr(function->body) + ")";
  }
  return out;
}

// Positional arguments, then named ones (sorted by name).
std::string arguments(const Node& node) {
  std::string out;
  for (const auto& argument : node.arguments) out += " " + expr(argument);
  for (const auto& [name, argument] : node.options) out += " " + ident(name) + "=" + expr(argument);
  return out;
}

// A gate condition with its metrics declaration as its input position: `(>= $1.auc 0.75)`,
// `(>= $1.auc (+ baseline -0.01))`, `(approved_by "risk-team")`.
std::string gateCondition(const Node::GateCondition& condition) {
  if (condition.kind == Node::GateCondition::Kind::Approval) return "(approved_by " + stringLiteral(condition.team) + ")";
  std::string threshold = fmt::format("{}", condition.constant);
  if (condition.baseline) threshold = condition.constant == 0 ? "baseline" : "(+ baseline " + threshold + ")";
  return fmt::format("({} ${}.{} {})", spelling(condition.comparison), condition.metricsInput, ident(condition.metric), threshold);
}

bool shapedBySchema(NodeKind kind) {
  switch (kind) {
    case NodeKind::Derive: case NodeKind::Fill: case NodeKind::Select: case NodeKind::Drop: case NodeKind::Rename:
    case NodeKind::Join: case NodeKind::Aggregate: case NodeKind::Distinct: case NodeKind::Union:
    case NodeKind::Predict: case NodeKind::Sink:
      return true;
    default:
      return false;
  }
}

bool isRowOperator(NodeKind kind) {
  return kind == NodeKind::Filter || kind == NodeKind::Derive || kind == NodeKind::Select || kind == NodeKind::Drop;
}

}  // namespace

std::string canonicalDefinition(const Node& node) {
  switch (node.kind) {
    case NodeKind::Scan: {
      if (!node.io) return "(scan)";
      std::string out = "(scan " + io(*node.io) + " " + columns(node.io->declared.columns.empty() ? node.schema : node.io->declared) +
                        " " + settings(node.io->options);
      if (!node.readColumns.empty()) out += " " + names("read", node.readColumns);
      if (node.condition) out += " (where " + printExpr(*node.condition) + ")";
      return out + ")";
    }
    case NodeKind::Filter: return "(where " + expr(node.condition) + functions(node) + ")";
    case NodeKind::Derive: return "(derive" + assignments(node.assignments) + functions(node) + ")";
    case NodeKind::Fill: return "(fill" + assignments(node.fills) + functions(node) + ")";
    case NodeKind::Select: return names("select", node.listed);
    case NodeKind::Drop: return names("drop", node.listed);
    case NodeKind::Rename: {
      std::string out = "(rename";
      for (const auto& [newName, oldName] : node.renames) out += " " + ident(newName) + "=" + ident(oldName);
      return out + ")";
    }
    case NodeKind::Join: {
      std::string out = node.leftJoin ? "(join left" : "(join inner";
      for (const auto& [left, right] : node.joinKeys) out += " " + ident(left) + "=" + ident(right);
      return out + ")";
    }
    case NodeKind::Aggregate: {
      // Without keys, one row of scalars: a `group` with no keys and a hoisted aggregate alike.
      std::string out = "(aggregate";
      if (!node.keys.empty()) {
        out = "(group (";
        for (std::size_t i = 0; i < node.keys.size(); ++i) out += (i == 0 ? "" : " ") + ident(node.keys[i]);
        out += ")";
      }
      return out + assignments(node.aggregates) + functions(node) + ")";
    }
    case NodeKind::Sort: {
      std::string out = "(sort";
      for (const Node::SortColumn& key : node.sortKeys) out += " " + ident(key.column) + (key.descending ? " desc" : "");
      return out + ")";
    }
    case NodeKind::Window: {
      std::string out = "(window (";
      for (std::size_t i = 0; i < node.keys.size(); ++i) out += (i == 0 ? "" : " ") + ident(node.keys[i]);
      out += ") (order";
      for (const Node::SortColumn& key : node.sortKeys) out += " " + ident(key.column) + (key.descending ? " desc" : "");
      out += ")";
      for (const Node::WindowColumn& c : node.windowColumns) {
        out += " (" + ident(c.column) + " " + (c.call ? ast::printExpr(*c.call) : "?");
        if (c.frame == ast::WindowFrame::Rows) out += fmt::format(" (rows {})", c.frameSize);
        if (c.frame == ast::WindowFrame::Time) out += fmt::format(" (micros {})", c.frameSize);
        out += ")";
      }
      return out + functions(node) + ")";
    }
    case NodeKind::AsofJoin: {
      std::string out = "(join asof";
      for (const auto& [left, right] : node.joinKeys) out += " " + ident(left) + "=" + ident(right);
      out += " (at " + ident(node.asofAt.first) + "=" + ident(node.asofAt.second) + ")";
      if (node.withinMicros > 0) out += fmt::format(" (within {})", node.withinMicros);
      return out + ")";
    }
    case NodeKind::Take: return "(take" + arguments(node) + ")";
    case NodeKind::Distinct: return names("distinct", node.keys);
    case NodeKind::Sample: return "(sample" + arguments(node) + ")";
    case NodeKind::Union: return "(union)";
    case NodeKind::Transform: {
      if (!node.call) return "(transform)";
      std::string out = "(transform (params";
      for (const std::string& param : node.call->params) out += " " + param;
      out += ") (body " + node.call->body + ") (args";
      for (const std::string& arg : node.call->args) out += " " + arg;
      return out + "))";
    }
    case NodeKind::Split: return "(split" + arguments(node) + ")";
    case NodeKind::SplitPart: return fmt::format("(split-part {})", node.part);
    case NodeKind::Step: {
      if (!node.exec || !node.io) return "(step)";
      // The program sees its inputs' names (`WEIR_INPUT_<name>`), so they are part of what runs.
      // The timeout and `outside_project` say when Weir gives up and what it allows, not what is
      // computed: changing them runs nothing again.
      const Node::Exec& exec = *node.exec;
      std::string out = "(step (exec";
      for (const std::string& word : exec.command) out += " " + stringLiteral(word);
      out += ") " + names("inputs", exec.inputNames) + " (format " + ident(exec.inputFormat) + ")";
      if (!exec.environment.empty()) {
        out += " (env";
        for (const auto& [name, text] : exec.environment) out += " (" + ident(name) + " " + stringLiteral(text) + ")";
        out += ")";
      }
      const sema::TableType& declared = node.io->declared.columns.empty() ? node.schema : node.io->declared;
      return out + " (output " + io(*node.io) + " " + columns(declared) + " " + settings(node.io->options) + "))";
    }
    case NodeKind::Train: {
      if (!node.model) return "(train)";
      const Node::Model& model = *node.model;
      std::string out = fmt::format("(train {} (task {}) (target {}) ", ident(model.algorithm), ident(model.task), ident(model.target));
      out += names("features", model.features) + " (settings";
      if (!model.params.empty()) {
        out += " (params (settings";
        for (const auto& [name, text] : model.params) out += " (" + ident(name) + " " + value(text) + ")";
        out += "))";
      }
      if (model.seed != 0) out += fmt::format(" (seed {})", model.seed);
      return out + "))";
    }
    case NodeKind::Predict: return "(predict " + ident(node.prediction) + ")";
    case NodeKind::Evaluate: {
      std::string out = "(" + node.evaluation;
      if (!node.by.empty()) out += " by=" + ident(node.by);
      return out + " " + names("metrics", node.metricNames) + ")";
    }
    case NodeKind::Expect: {
      std::string out = "(expect";
      for (const Node::Rule& rule : node.rules) out += std::string(rule.warn ? " (warn " : " (error ") + expr(rule.condition) + ")";
      return out + functions(node) + ")";
    }
    case NodeKind::Gate: {
      std::string out = "(gate";
      bool baseline = false;
      for (const Node::GateCondition& condition : node.gateConditions) {
        out += " " + gateCondition(condition);
        baseline = baseline || condition.baseline;
      }
      // The stage matters only to what `baseline` is.
      if (baseline) out += " (stage " + (node.stage.empty() ? std::string("none") : ident(node.stage)) + ")";
      return out + ")";
    }
    case NodeKind::Sink: return node.io ? "(sink " + io(*node.io) + " " + settings(node.io->options) + ")" : "(sink)";
    case NodeKind::Deploy: return "(deploy " + settings(node.settings) + ")";
    case NodeKind::Kernel: {
      std::string out = "(kernel";
      for (const Node& step : node.steps) out += " " + canonicalDefinition(step);
      return out + ")";
    }
  }
  return "(?)";
}

std::string canonicalOutput(const Node& node) {
  if (node.kind == NodeKind::Kernel) {
    std::string out;
    for (const Node& step : node.steps) out += canonicalOutput(step);
    return out;
  }
  return shapedBySchema(node.kind) ? columns(node.schema) : std::string();
}

std::vector<std::string> payloadProblems(const Node& node) {
  std::vector<std::string> problems;
  auto problem = [&](std::string text) { problems.push_back(std::move(text)); };
  auto allSet = [](const auto& list) {
    return std::all_of(list.begin(), list.end(), [](const auto& entry) { return entry.second != nullptr; });
  };
  // Compared in place: this runs for every node after every pass.
  auto schemaIs = [&](const std::vector<std::string>& names) {
    if (names.size() != node.schema.columns.size()) return false;
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (names[i] != node.schema.columns[i].name) return false;
    }
    return true;
  };
  switch (node.kind) {
    case NodeKind::Scan:
      if (!node.io) problem("has no reader");
      else if (!node.readColumns.empty() && !node.schema.columns.empty() && !schemaIs(node.readColumns))
        problem("reads columns that are not its schema");
      if (!node.inputs.empty()) problem("reads other nodes");
      break;
    case NodeKind::Filter:
      if (!node.condition) problem("has no condition");
      break;
    case NodeKind::Derive:
      if (node.assignments.empty() || !allSet(node.assignments)) problem("has no assignments");
      break;
    case NodeKind::Fill:
      if (node.fills.empty() || !allSet(node.fills)) problem("has no fills");
      break;
    case NodeKind::Select:
      // (A table whose schema is unknown, a transform call's, is selected whole: its list is empty.)
      if (!node.schema.columns.empty() && !node.schema.error && !schemaIs(node.listed))
        problem("selects columns that are not its schema");
      break;
    case NodeKind::Drop:
      if (node.listed.empty()) problem("drops nothing");
      break;
    case NodeKind::Rename:
      if (node.renames.empty()) problem("renames nothing");
      break;
    case NodeKind::Join:
      if (node.joinKeys.empty()) problem("has no keys");
      if (node.inputs.size() != 2) problem("does not read two tables");
      break;
    case NodeKind::Aggregate:
      if (!allSet(node.aggregates)) problem("has an aggregate without its expression");
      break;
    case NodeKind::Window:
      if (node.sortKeys.empty()) problem("has no order");
      for (const Node::WindowColumn& c : node.windowColumns) {
        if (!c.call) problem("has a column without its function");
      }
      break;
    case NodeKind::AsofJoin:
      if (node.asofAt.first.empty() || node.asofAt.second.empty()) problem("has no time columns");
      if (node.inputs.size() != 2) problem("does not read two tables");
      break;
    case NodeKind::Sort:
      if (node.sortKeys.empty()) problem("has no sort keys");
      break;
    case NodeKind::Take:
    case NodeKind::Sample:
      if (node.arguments.size() != 1 || !node.arguments.front()) problem("has no count or fraction");
      break;
    case NodeKind::Split:
      if (node.arguments.empty()) problem("has no fractions");
      break;
    case NodeKind::Union:
      if (node.inputs.size() != 2) problem("does not read two tables");
      break;
    case NodeKind::Transform:
      if (!node.call) problem("has no call");
      break;
    case NodeKind::Step:
      if (!node.exec || node.exec->command.empty()) problem("has no command");
      else if (node.exec->inputNames.size() != node.inputs.size()) problem("does not name each of its inputs");
      if (!node.io) problem("has no output");
      break;
    case NodeKind::Train:
      if (!node.model) problem("has no model");
      else if (node.model->algorithm.empty() || node.model->target.empty()) problem("has no algorithm or target");
      break;
    case NodeKind::Predict:
      if (node.prediction.empty()) problem("has no prediction column");
      else if (!node.schema.columns.empty() && node.schema.columns.back().name != node.prediction)
        problem("does not end its schema with its prediction `" + node.prediction + "`");
      if (node.inputs.size() != 2) problem("does not read a table and a model");
      break;
    case NodeKind::Evaluate:
      if (node.evaluation.empty()) problem("has no evaluation");
      if (node.evaluation == "fairness" && node.by.empty()) problem("has no `by` column");
      break;
    case NodeKind::Expect:
      for (const Node::Rule& rule : node.rules) {
        if (!rule.condition) problem("has a rule without its condition");
      }
      break;
    case NodeKind::Gate:
      if (node.inputs.empty()) problem("has no model");
      for (const Node::GateCondition& condition : node.gateConditions) {
        if (condition.kind == Node::GateCondition::Kind::Metric && (condition.metricsInput == 0 || condition.metricsInput >= node.inputs.size()))
          problem(fmt::format("reads `{}` from input {}, which is not one of its evaluations", condition.metric, condition.metricsInput));
      }
      break;
    case NodeKind::Sink:
      if (!node.io) problem("has no writer");
      break;
    case NodeKind::Kernel:
      if (node.steps.size() < 2) problem("fuses fewer than two steps");
      for (const Node& step : node.steps) {
        if (!isRowOperator(step.kind)) problem(fmt::format("has a step that is not a row operator ({})", nodeKindName(step.kind)));
        for (const std::string& inner : payloadProblems(step)) problem(fmt::format("has a {} step that {}", nodeKindName(step.kind), inner));
      }
      break;
    case NodeKind::Distinct:  // no keys: whole rows
    case NodeKind::SplitPart:
    case NodeKind::Deploy:
      break;
  }
  return problems;
}

}  // namespace weir::plan
