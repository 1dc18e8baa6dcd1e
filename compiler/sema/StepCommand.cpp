#include "sema/StepCommand.h"

#include <cctype>
#include <filesystem>

namespace weir::sema {

using namespace weir::ast;

const std::set<std::string>& stepReaderSettings() {
  static const std::set<std::string> names = {"on_error", "strict", "null", "max_bad_fraction",
                                              "delimiter", "header", "skip_rows", "booleans"};
  return names;
}

std::string stepInputName(const Expr& item) {
  std::string name;
  if (item.kind == ExprKind::Name) {
    name = item.as<NameExpr>().name.text;
  } else if (item.kind == ExprKind::Member) {
    const auto& member = item.as<MemberExpr>();
    name = stepInputName(*member.object) + "_" + member.member.text;
  }
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') c = '_';
  }
  return name;
}

double durationSeconds(const DurationLiteral& duration) {
  double unit = duration.unit == 's' ? 1 : duration.unit == 'm' ? 60 : duration.unit == 'h' ? 3600 : duration.unit == 'w' ? 604800 : 86400;
  return static_cast<double>(duration.amount) * unit;
}

std::string stepOutputPathProblem(const std::string& path) {
  if (path.empty()) return "is empty";
  std::filesystem::path p(path);
  if (p.is_absolute()) return "is absolute: the program writes its output in its scratch folder, and the path is relative to it";
  std::filesystem::path normal = p.lexically_normal();
  if (normal.empty() || normal == "." || *normal.begin() == "..") return "leaves the step's scratch folder, which the path is relative to";
  if (!normal.has_filename()) return "names a folder, not a file";
  return {};
}

std::string stepVariableProblem(const std::string& name) {
  bool ok = !name.empty() && !std::isdigit(static_cast<unsigned char>(name[0]));
  for (char c : name) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
  if (!ok) return "is not a variable name (ASCII letters, digits and `_`, not starting with a digit)";
  if (name.rfind("WEIR_", 0) == 0) return "is set by Weir: names starting with `WEIR_` are its own";
  return {};
}

}  // namespace weir::sema
