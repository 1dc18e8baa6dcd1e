#pragma once

// A recorded run as one self-contained HTML page (`weir report`): inline CSS and SVG, no script,
// nothing fetched, every text from the run or the program escaped.

#include "engine/RunSummary.h"

#include <string>

namespace weir::driver {

std::string renderHtmlReport(const engine::RunSummary& summary, const std::string& weirVersion);

}  // namespace weir::driver
