// Model artifacts (runtime/models/TrainedModel.h): any bytes decoded as a cached model and, when
// they decode, used to predict two rows made of its features. A model that cannot be used must
// fail with OperatorError (the node fails with a message), never crash or throw anything else.
#include "FuzzTarget.h"

#include "models/TrainedModel.h"
#include "operators/OperatorError.h"

using namespace weir::runtime;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  weir::fuzz::Input input = weir::fuzz::split(data, size);
  std::optional<TrainedModel> model = decodeModel(input.text);
  if (!model || model->features.size() > 64) return 0;
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
