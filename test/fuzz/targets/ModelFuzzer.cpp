// Model artifacts (runtime/models/TrainedModel.h): any bytes decoded as a cached model, checked
// as the executor checks one from the cache (modelMismatch against the spec and training columns
// the model itself names), and, when it passes, used to predict two rows made of its features.
// A model that cannot be used must fail with OperatorError (the node fails with a message), never
// crash or throw anything else. Bit 1 of the first byte skips the check (XGBoost trusts the JSON
// it loads: it crashes on a damaged model).
#include "FuzzTarget.h"

#include "models/TrainedModel.h"
#include "operators/OperatorError.h"

using namespace weir::runtime;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  weir::fuzz::Input input = weir::fuzz::split(data, size);
  std::optional<TrainedModel> model = decodeModel(input.text);
  if (!model || model->features.size() > 64) return 0;
  if ((input.options & 2) == 0) {
    weir::plan::Node::Model spec;
    spec.algorithm = model->algorithm;
    spec.task = model->task;
    spec.target = model->target;
    std::vector<ColumnSpec> columns = model->features;
    for (const ColumnSpec& feature : model->features) spec.features.push_back(feature.name);
    ColumnSpec target{model->target, ColumnKind::Float, false, {}};
    if (model->task == "binary" && model->classes == std::vector<std::string>{"false", "true"}) target.kind = ColumnKind::Bool;
    else if (model->task != "regression") target = ColumnSpec{model->target, ColumnKind::Category, false, model->classes};
    columns.push_back(target);
    if (!modelMismatch(*model, spec, columns).empty()) return 0;  // a miss: retrained
  }
  Table rows;
  for (const ColumnSpec& spec : model->features) {
    Column& column = rows.columns.emplace_back(spec);
    for (int row = 0; row < 2; ++row) {
      if (row == 1 && spec.nullable && (input.options & 1) != 0) {
        column.appendNull();
        continue;
      }
      switch (spec.kind) {
        case ColumnKind::Int: case ColumnKind::Bool: case ColumnKind::Date: case ColumnKind::Timestamp:
          column.appendInt(row);
          break;
        case ColumnKind::Float: column.appendFloat(row == 0 ? 0.5 : -2.0); break;
        case ColumnKind::String: column.appendString(row == 0 ? "a" : ""); break;
        case ColumnKind::Category:
          if (spec.levels.empty()) column.appendNull();
          else column.appendLevel(static_cast<std::uint32_t>(row) % static_cast<std::uint32_t>(spec.levels.size()));
          break;
      }
    }
  }
  try {
    Predictions predictions = predict(*model, rows, 1);
    (void)predictions;
  } catch (const OperatorError&) {
  }
  return 0;
}
