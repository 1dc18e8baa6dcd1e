#include "sema/ModelShape.h"

#include "catalog/Task.h"

#include <optional>
#include <set>

namespace weir::sema {

using namespace weir::ast;

const char* taskName(Task task) {
  switch (task) {
    case Task::Binary: return catalog::taskName(catalog::Task::Binary).data();
    case Task::Multiclass: return catalog::taskName(catalog::Task::Multiclass).data();
    case Task::Regression: return catalog::taskName(catalog::Task::Regression).data();
    case Task::Unknown: return "unknown";
  }
  return "unknown";
}

namespace {

Task inferredTask(const Type& t) {
  if (t.isError()) return Task::Unknown;
  if (t.kind == ScalarKind::Bool) return Task::Binary;
  if (t.kind == ScalarKind::Category) return t.levels && t.levels->size() == 2 ? Task::Binary : Task::Multiclass;
  if (t.isNumeric()) return Task::Regression;
  return Task::Unknown;
}

// Whether `task = declared` may be said of a target of type `t` whose type alone gives `inferred`.
bool taskFits(Task declared, Task inferred, const Type& t) {
  switch (declared) {
    case Task::Regression: return t.isNumeric();
    case Task::Binary: return inferred == Task::Binary;
    case Task::Multiclass: return t.kind == ScalarKind::Category || t.kind == ScalarKind::Int;
    case Task::Unknown: return false;
  }
  return false;
}

}  // namespace

ModelShape modelShape(const ModelDecl& model, const TableType& training) {
  ModelShape shape;
  const SettingsBlock* settings = model.settings.get();
  if (settings == nullptr) return shape;
  const Setting* target = settings->find("target");
  if (target != nullptr && target->value && target->value->kind == ExprKind::Name) {
    shape.target = target->value->as<NameExpr>().name.text;
    if (const ColumnType* column = training.find(shape.target)) shape.targetType = column->type;
  }
  shape.inferred = inferredTask(shape.targetType);
  shape.task = shape.inferred;
  if (const Setting* task = settings->find("task"); task != nullptr && task->value && task->value->kind == ExprKind::Name &&
                                                    shape.inferred != Task::Unknown) {
    std::optional<catalog::Task> named = catalog::findTask(task->value->as<NameExpr>().name.text);
    Task declared = !named                                  ? Task::Unknown
                    : *named == catalog::Task::Binary     ? Task::Binary
                    : *named == catalog::Task::Multiclass ? Task::Multiclass
                                                          : Task::Regression;
    if (taskFits(declared, shape.inferred, shape.targetType)) shape.task = declared;
  }

  const Setting* features = settings->find("features");
  if (features == nullptr || (features->value && features->value->kind == ExprKind::AllExcept)) {
    std::set<std::string> excluded{shape.target};
    if (features != nullptr) {
      for (const ExprPtr& item : features->value->as<AllExceptExpr>().excluded) {
        if (item->kind == ExprKind::Name) excluded.insert(item->as<NameExpr>().name.text);
      }
    }
    // Every column but the target, the excluded ones and keys (identifiers are not features).
    for (const ColumnType& column : training.columns) {
      if (!excluded.count(column.name) && !column.key) shape.features.push_back(column.name);
    }
  } else if (features->value && features->value->kind == ExprKind::List) {
    for (const ExprPtr& item : features->value->as<ListExpr>().items) {
      if (item->kind != ExprKind::Name) continue;
      const std::string& name = item->as<NameExpr>().name.text;
      if (name == shape.target || (!training.error && training.find(name) == nullptr)) continue;
      shape.features.push_back(name);
    }
  }
  return shape;
}

Type predictionType(const ModelShape& shape) {
  switch (shape.task) {
    case Task::Binary:
    case Task::Regression: return Type::of(ScalarKind::Float);
    case Task::Multiclass: return shape.targetType.withNullable(false);
    case Task::Unknown: return Type::error();
  }
  return Type::error();
}

}  // namespace weir::sema
