#include "plan/PlanPrinter.h"
#include "support/JsonText.h"

#include "plan/CanonicalForm.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace weir::plan {

namespace {

std::string inputsText(const Node& node) {
  std::string out;
  for (NodeId input : node.inputs) out += (out.empty() ? "" : ", ") + fmt::format("%{}", input);
  return out;
}

std::string schemaText(const sema::TableType& schema) {
  std::string out;
  for (const sema::ColumnType& column : schema.columns) {
    out += (out.empty() ? "" : ", ") + column.name + ": " + column.type.str();
  }
  return out;
}

}  // namespace

std::string printPlanText(const Plan& plan) {
  std::string out = fmt::format("plan {} ({} nodes)\n", plan.name, plan.size());
  for (NodeId id : plan.topologicalOrder()) {
    const Node& node = plan.node(id);
    std::string head = fmt::format("%{} {}", id, nodeKindName(node.kind));
    if (!node.inputs.empty()) head += "(" + inputsText(node) + ")";
    out += fmt::format("{:<28} [{}] {}{} {}\n", head, node.fingerprint.substr(0, 12), node.declaration,
                       node.declarationResult ? " =" : "", plan.where(node.range));
    out += "    " + canonicalDefinition(node) + "\n";
    if (!node.schema.columns.empty()) out += "    : " + schemaText(node.schema) + "\n";
  }
  return out;
}

std::string printPlanJson(const Plan& plan, const std::string& file) {
  nlohmann::ordered_json nodes = nlohmann::ordered_json::array();
  for (NodeId id : plan.topologicalOrder()) {
    const Node& node = plan.node(id);
    nlohmann::ordered_json schema = nlohmann::ordered_json::array();
    for (const sema::ColumnType& column : node.schema.columns) {
      nlohmann::ordered_json c = {{"name", column.name}, {"type", column.type.str()}};
      if (column.key) c["key"] = true;
      if (column.piiTaint) c["pii"] = true;
      if (column.sensitiveTaint) c["sensitive"] = true;
      c["lineage"] = column.origins;
      schema.push_back(std::move(c));
    }
    nodes.push_back({{"id", id},
                     {"kind", nodeKindName(node.kind)},
                     {"declaration", node.declaration},
                     {"result", node.declarationResult},
                     {"fingerprint", node.fingerprint},
                     {"inputs", node.inputs},
                     {"definition", canonicalDefinition(node)},
                     {"schema", schema},
                     {"range",
                      {{"file", plan.files.count(node.range.file) ? plan.files.at(node.range.file) : std::string()},
                       {"start", {{"line", node.range.begin.line}, {"column", node.range.begin.column}}},
                       {"end", {{"line", node.range.end.line}, {"column", node.range.end.column}}}}}});
  }
  nlohmann::ordered_json document = {
      {"format", "weir-plan"}, {"version", 1}, {"pipeline", plan.name}, {"file", file}, {"nodes", nodes}};
  return support::jsonText(document, 2) + "\n";
}

namespace {

struct Style {
  const char* shape;
  const char* color;
};

Style styleOf(NodeKind kind) {
  switch (kind) {
    case NodeKind::Scan: return {"cylinder", "#cfe2f3"};
    case NodeKind::Step: return {"component", "#d9d2e9"};
    case NodeKind::Train: return {"hexagon", "#fce5cd"};
    case NodeKind::Predict: return {"hexagon", "#fff2cc"};
    case NodeKind::Evaluate: return {"note", "#fff2cc"};
    case NodeKind::Expect: return {"diamond", "#d9ead3"};
    case NodeKind::Gate: return {"octagon", "#f4cccc"};
    case NodeKind::Sink: return {"folder", "#cfe2f3"};
    case NodeKind::Deploy: return {"doubleoctagon", "#ea9999"};
    case NodeKind::Transform: return {"box3d", "#eeeeee"};
    default: return {"box", "#ffffff"};
  }
}

std::string escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

std::string printPlanDot(const Plan& plan) {
  std::string out = fmt::format("digraph \"{}\" {{\n  rankdir=LR;\n  node [style=filled, fontname=\"Helvetica\"];\n",
                                escape(plan.name));
  for (NodeId id : plan.topologicalOrder()) {
    const Node& node = plan.node(id);
    Style style = styleOf(node.kind);
    // `\n` is DOT's line break inside a label, so the parts are escaped before joining.
    std::string label = node.declarationResult
                            ? escape(node.declaration) + "\\n" + nodeKindName(node.kind)
                            : std::string(nodeKindName(node.kind));
    out += fmt::format("  n{} [label=\"{}\", shape={}, fillcolor=\"{}\", tooltip=\"{}\"];\n", id, label,
                       style.shape, style.color, escape(canonicalDefinition(node).substr(0, 200)));
  }
  for (NodeId id : plan.topologicalOrder()) {
    for (NodeId input : plan.node(id).inputs) out += fmt::format("  n{} -> n{};\n", input, id);
  }
  return out + "}\n";
}

}  // namespace weir::plan
