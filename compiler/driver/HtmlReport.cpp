#include "driver/HtmlReport.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

namespace weir::driver {

namespace {

std::string escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

// Colours by status, one rule for the plan, the tables and the badges.
const char* statusColor(const std::string& status) {
  if (status == "done" || status == "passed" || status == "ok") return "#2e7d32";
  if (status == "cached") return "#546e7a";
  if (status == "failed") return "#c62828";
  if (status == "blocked" || status == "waiting") return "#ef6c00";
  if (status.empty()) return "#9e9e9e";
  return "#6a1b9a";
}

std::string badge(const std::string& status) {
  return fmt::format("<span class=\"badge\" style=\"background:{}\">{}</span>", statusColor(status),
                     escape(status.empty() ? "not recorded" : status));
}

std::string seconds(double value) {
  if (value < 0) return "unknown";
  if (value < 1) return fmt::format("{:.0f} ms", value * 1000);
  return fmt::format("{:.2f} s", value);
}

std::string number(double value) { return std::isnan(value) ? std::string("undefined") : fmt::format("{:.4f}", value); }

// The plan as layers from left to right: a node one column right of its furthest input.
std::string planPicture(const engine::RunSummary& summary) {
  const auto& nodes = summary.nodes;
  std::vector<int> layer(nodes.size(), -1);
  // Inputs first: repeat until stable (the graph is acyclic, so at most |nodes| rounds).
  for (std::size_t round = 0; round <= nodes.size(); ++round) {
    bool changed = false;
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      int value = 0;
      for (std::size_t input : nodes[i].inputs) value = std::max(value, layer[input] + 1);
      if (value != layer[i]) {
        layer[i] = value;
        changed = true;
      }
    }
    if (!changed) break;
  }
  std::map<int, int> rowsInLayer;
  std::vector<std::pair<int, int>> position(nodes.size());
  for (std::size_t i = 0; i < nodes.size(); ++i) position[i] = {layer[i], rowsInLayer[layer[i]]++};
  int columns = 0, rows = 0;
  for (const auto& [l, count] : rowsInLayer) {
    columns = std::max(columns, l + 1);
    rows = std::max(rows, count);
  }
  constexpr int kWidth = 170, kHeight = 42, kGapX = 50, kGapY = 16, kMargin = 10;
  auto x = [&](std::size_t i) { return kMargin + position[i].first * (kWidth + kGapX); };
  auto y = [&](std::size_t i) { return kMargin + position[i].second * (kHeight + kGapY); };
  int width = kMargin * 2 + columns * (kWidth + kGapX) - kGapX;
  int height = kMargin * 2 + rows * (kHeight + kGapY) - kGapY;
  std::string svg = fmt::format("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" role=\"img\" "
                                "aria-label=\"the plan\">\n",
                                std::max(width, 100), std::max(height, 50));
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    for (std::size_t input : nodes[i].inputs) {
      int x1 = x(input) + kWidth, y1 = y(input) + kHeight / 2, x2 = x(i), y2 = y(i) + kHeight / 2;
      svg += fmt::format("<path d=\"M{} {} C{} {} {} {} {} {}\" fill=\"none\" stroke=\"#90a4ae\" stroke-width=\"1.5\"/>\n", x1, y1,
                         (x1 + x2) / 2, y1, (x1 + x2) / 2, y2, x2, y2);
    }
  }
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const engine::SummaryNode& node = nodes[i];
    std::string label = node.name.size() > 22 ? node.name.substr(0, 21) + "…" : node.name;
    svg += fmt::format(
        "<g><title>{} ({}, {}): {}</title><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"6\" fill=\"white\" "
        "stroke=\"{}\" stroke-width=\"2\"/><text x=\"{}\" y=\"{}\" class=\"name\">{}</text><text x=\"{}\" y=\"{}\" "
        "class=\"kind\">{} · {}</text></g>\n",
        escape(node.name), escape(node.kind), escape(node.where), escape(node.status.empty() ? "not recorded" : node.status), x(i),
        y(i), kWidth, kHeight, statusColor(node.status), x(i) + 8, y(i) + 17, escape(label), x(i) + 8, y(i) + 33,
        escape(node.kind), escape(node.status.empty() ? "—" : node.status));
  }
  return svg + "</svg>\n";
}

std::string nodeTable(const engine::RunSummary& summary) {
  double longest = 0;
  for (const auto& node : summary.nodes) longest = std::max(longest, node.seconds);
  std::vector<const engine::SummaryNode*> ordered;
  for (const auto& node : summary.nodes) ordered.push_back(&node);
  // When each began, where recorded; the nodes that did not compute after, by name.
  std::stable_sort(ordered.begin(), ordered.end(), [](const engine::SummaryNode* a, const engine::SummaryNode* b) {
    bool aTimed = a->startedMs != 0, bTimed = b->startedMs != 0;
    if (aTimed != bTimed) return aTimed;
    return a->startedMs < b->startedMs;
  });
  std::string out = "<table><tr><th>declaration</th><th>kind</th><th>status</th><th class=\"num\">rows in</th>"
                    "<th class=\"num\">rows out</th><th>time</th><th></th></tr>\n";
  for (const engine::SummaryNode* node : ordered) {
    double share = longest > 0 ? 100.0 * node->seconds / longest : 0;
    out += fmt::format("<tr><td>{}<div class=\"where\">{}</div></td><td>{}</td><td>{}{}</td><td class=\"num\">{}</td>"
                       "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"barcell\"><div class=\"bar\" "
                       "style=\"width:{:.1f}%\"></div></td></tr>\n",
                       escape(node->name), escape(node->where), escape(node->kind), badge(node->status),
                       node->message.empty() ? "" : "<div class=\"where\">" + escape(node->message) + "</div>", node->rowsIn,
                       node->rowsOut, node->status.empty() ? "" : seconds(node->seconds), share);
  }
  return out + "</table>\n";
}

std::string expectationTable(const engine::RunSummary& summary) {
  if (summary.rules.empty()) return "<p>No expectation was checked in this run.</p>\n";
  std::string out = "<table><tr><th>expectation</th><th>rule</th><th>severity</th><th>outcome</th><th class=\"num\">rows "
                    "violating</th></tr>\n";
  for (const auto& rule : summary.rules) {
    out += fmt::format("<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td class=\"num\">{}</td></tr>\n",
                       escape(rule.expectation), escape(rule.rule), rule.warn ? "warn" : "error",
                       badge(rule.passed ? "passed" : "failed"), rule.rowRule ? std::to_string(rule.violations) : "(whole table)");
  }
  return out + "</table>\n";
}

std::string metricCharts(const engine::RunSummary& summary) {
  if (summary.metrics.empty()) return "<p>No metric was computed in this run.</p>\n";
  std::map<std::string, std::vector<const runtime::RunMetric*>> byEvaluation;
  std::vector<std::string> order;
  for (const auto& metric : summary.metrics) {
    if (!byEvaluation.count(metric.evaluation)) order.push_back(metric.evaluation);
    byEvaluation[metric.evaluation].push_back(&metric);
  }
  std::string out;
  for (const std::string& evaluation : order) {
    const auto& metrics = byEvaluation[evaluation];
    out += fmt::format("<h3>{}</h3><p class=\"where\">model <code>{}</code> version {} on <code>{}</code>{}</p>\n<table>",
                       escape(evaluation), escape(metrics.front()->model), escape(metrics.front()->modelVersion.substr(0, 12)),
                       escape(metrics.front()->data), metrics.front()->reused ? " (values of an earlier run, reused)" : "");
    // Bars on a 0..1 scale where the value is in it (most metrics); others show their number only.
    for (const runtime::RunMetric* metric : metrics) {
      bool unit = !std::isnan(metric->value) && metric->value >= 0 && metric->value <= 1;
      out += fmt::format("<tr><td>{}</td><td class=\"num\">{}</td><td class=\"barcell\">{}</td></tr>\n", escape(metric->metric),
                         number(metric->value),
                         unit ? fmt::format("<div class=\"bar metric\" style=\"width:{:.1f}%\"></div>", metric->value * 100) : "");
    }
    out += "</table>\n";
  }
  return out;
}

std::string gateSection(const engine::RunSummary& summary) {
  if (summary.gates.empty()) return "<p>No gate decided in this run.</p>\n";
  std::string out;
  for (const auto& gate : summary.gates) {
    const runtime::RecordedGate& decision = gate.decision;
    out += fmt::format("<h3>{} {}</h3><p class=\"where\">model <code>{}</code> version {}{}</p>\n", escape(gate.name),
                       badge(decision.status), escape(decision.model), escape(decision.modelVersion.substr(0, 12)),
                       decision.stage.empty() ? "" : ", for stage " + escape(decision.stage));
    out += "<table><tr><th>condition</th><th>observed</th><th>threshold</th><th>baseline</th><th>outcome</th><th></th></tr>\n";
    for (const auto& condition : decision.conditions) {
      auto optional = [](const std::optional<double>& value) { return value ? number(*value) : std::string(); };
      out += fmt::format("<tr><td><code>{}</code><div class=\"where\">line {}</div></td><td class=\"num\">{}</td>"
                         "<td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>\n",
                         escape(condition.text), condition.line, optional(condition.observed), optional(condition.threshold),
                         optional(condition.baseline), badge(condition.status), escape(condition.detail));
    }
    out += "</table>\n";
  }
  return out;
}

std::string lineageTable(const engine::RunSummary& summary) {
  std::string out = "<table><tr><th>column</th><th>computed from</th></tr>\n";
  for (const auto& column : summary.lineage) {
    std::string origins;
    for (const std::string& origin : column.origins) origins += (origins.empty() ? "" : ", ") + ("<code>" + escape(origin) + "</code>");
    out += fmt::format("<tr><td><code>{}.{}</code></td><td>{}</td></tr>\n", escape(column.declaration), escape(column.column),
                       origins.empty() ? "(computed)" : origins);
  }
  return out + "</table>\n";
}

constexpr const char* kStyle = R"(body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1100px;color:#212121;padding:0 16px}
h1{font-size:22px;margin-bottom:4px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #e0e0e0}h3{font-size:15px;margin-bottom:2px}
table{border-collapse:collapse;margin:8px 0;width:100%}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #eee;vertical-align:top}
th{font-weight:600;color:#555}.num{text-align:right;font-variant-numeric:tabular-nums}.where{color:#777;font-size:12px}
.badge{color:white;border-radius:4px;padding:1px 6px;font-size:12px}.barcell{width:30%}.bar{background:#90a4ae;height:10px;border-radius:2px}
.bar.metric{background:#5c6bc0}.warn{background:#fff3e0;border:1px solid #ffcc80;padding:8px;border-radius:4px}
.plan{overflow-x:auto;border:1px solid #eee;padding:8px}svg text.name{font:600 13px system-ui,sans-serif}svg text.kind{font:11px system-ui,sans-serif;fill:#666}
code{font:12px ui-monospace,monospace;background:#f5f5f5;padding:0 3px;border-radius:3px})";

}  // namespace

std::string renderHtmlReport(const engine::RunSummary& summary, const std::string& weirVersion) {
  const runtime::RunRecord& run = summary.run;
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += fmt::format("<title>Run {} of {}</title>\n<style>{}</style>\n</head>\n<body>\n", run.id, escape(summary.program), kStyle);
  out += fmt::format("<h1>Run {} of <code>{}</code> {}</h1>\n", run.id, escape(summary.program),
                     badge(run.outcome.empty() ? "unfinished" : run.outcome));
  out += fmt::format("<p class=\"where\">started {}, ended {}, took {}; by {} on {}; nodes: {} done, {} cached, {} failed, {} "
                     "blocked. Report by weir {}.</p>\n",
                     escape(run.started), escape(run.ended.empty() ? "(did not finish)" : run.ended), seconds(run.seconds),
                     escape(run.user), escape(run.host), run.done, run.cached, run.failed, run.blocked, escape(weirVersion));
  if (summary.programChangedSince) {
    out += "<p class=\"warn\">The program changed since this run: the plan below is the program as it is now, with what the run "
           "recorded for each declaration it still has.</p>\n";
  }
  out += "<h2>Plan</h2>\n<div class=\"plan\">" + planPicture(summary) + "</div>\n";
  out += "<h2>Nodes</h2>\n" + nodeTable(summary);
  out += "<h2>Expectations</h2>\n" + expectationTable(summary);
  out += "<h2>Metrics</h2>\n" + metricCharts(summary);
  out += "<h2>Gates</h2>\n" + gateSection(summary);
  out += "<h2>Column lineage</h2>\n" + lineageTable(summary);
  return out + "</body>\n</html>\n";
}

}  // namespace weir::driver
