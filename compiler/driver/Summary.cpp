#include "driver/Frontend.h"

#include <fmt/format.h>

#include <filesystem>
#include <map>

namespace weir::driver {

std::string summarizeModule(const ast::Module& module) {
  struct Group {
    const char* label;
    std::vector<std::string> names;
  };
  std::map<ast::DeclKind, Group> groups = {
      {ast::DeclKind::Import, {"imports", {}}},     {ast::DeclKind::Schema, {"schemas", {}}},
      {ast::DeclKind::Source, {"sources", {}}},     {ast::DeclKind::Step, {"steps", {}}},
      {ast::DeclKind::Let, {"tables", {}}},         {ast::DeclKind::Expect, {"expects", {}}},
      {ast::DeclKind::Model, {"models", {}}},       {ast::DeclKind::Metrics, {"metrics", {}}},
      {ast::DeclKind::Gate, {"gates", {}}},         {ast::DeclKind::Sink, {"sinks", {}}},
      {ast::DeclKind::Deploy, {"deploys", {}}},     {ast::DeclKind::Trigger, {"triggers", {}}},
      {ast::DeclKind::Policy, {"policies", {}}},    {ast::DeclKind::Fn, {"functions", {}}},
      {ast::DeclKind::Transform, {"transforms", {}}}, {ast::DeclKind::Rule, {"rules", {}}},
  };
  for (const ast::DeclPtr& decl : module.decls) {
    auto it = groups.find(decl->kind);
    if (it == groups.end()) continue;
    std::string text;
    switch (decl->kind) {
      case ast::DeclKind::Import: {
        const auto& import = decl->as<ast::ImportDecl>();
        text = import.isStd ? "std." + import.stdModule : "\"" + import.path + "\" as " + import.name.text;
        break;
      }
      case ast::DeclKind::Let:
        for (const ast::Identifier& name : decl->as<ast::LetDecl>().names) {
          text += (text.empty() ? "" : ", ") + name.text;
        }
        break;
      case ast::DeclKind::Schema:
        text = fmt::format("{} ({} columns)", decl->name.text, decl->as<ast::SchemaDecl>().columns.size());
        break;
      case ast::DeclKind::Policy:
        text = decl->name.text.empty() ? "(unnamed)" : decl->name.text;
        break;
      default:
        text = decl->name.text;
    }
    it->second.names.push_back(text);
  }
  const ast::PipelineDecl* header = module.pipelineHeader();
  std::string pipeline = header != nullptr ? header->name.text
                                           : std::filesystem::path(module.path).stem().string();
  std::string out = fmt::format("{}: pipeline {}\n", module.path, pipeline);
  for (const auto& [kind, group] : groups) {
    if (group.names.empty()) continue;
    std::string joined;
    for (const std::string& name : group.names) joined += (joined.empty() ? "" : ", ") + name;
    out += fmt::format("  {:<11} {}\n", group.label, joined);
  }
  return out;
}

}  // namespace weir::driver
