#pragma once

// `weir export`: a registered model version (engine/ModelRegistry.h) as a folder someone without
// Weir can load: its model in the library's own format, the feature schema and encoding, its
// metrics and card (models/ModelExport.h says what each file holds). See
// docs/OPERATIONS-GUIDE.md, "Export".
//
// The folder is created, or must exist empty: nothing there is replaced. It is opened without
// following a symlink (the folder itself as a symlink is refused), each file is written
// atomically inside it, and it may not be in the project's `.weir`. Every check is made before
// anything is written; when writing or the audit entry fails, what was written is removed. An
// export is recorded in the audit log (kind `export`: model, version, fingerprint, folder).

#include "store/LineageDb.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace weir::engine {

struct ExportRequest {
  std::string path = ".";  // a program file or a folder of the project
  std::string model;
  std::optional<std::int64_t> version;  // none: the version in `production`, else the latest
  std::string out;                      // the folder to create, or an empty one
};

struct ExportResult {
  std::string error;  // why nothing was exported (then nothing was written)
  std::string root;   // the project's
  runtime::RegisteredVersion version;  // what was exported
  std::string why;                     // how it was chosen: "asked for", "in production", "the latest"
  std::string folder;                  // canonical
  std::vector<std::string> files;      // written, in order
};

ExportResult exportModel(const ExportRequest& request);

}  // namespace weir::engine
