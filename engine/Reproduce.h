#pragma once

// `weir reproduce RUN` and `weir checkout RUN` (docs/VERSIONS.md): a past run's program and data,
// restored from its snapshots.
// - reproduce restores them in a fresh folder of `.weir/reproduce/` (a project of its own: its
//   own `.weir`, so an empty cache and a database of its own), runs the program there with the
//   same engine, and compares every output file and model with the hashes the run recorded.
// - checkout restores them in place, refusing to overwrite a file whose content is not the one
//   the project's last run recorded for it, unless forced; never a path outside the project.

#include "engine/Cancellation.h"
#include "engine/Project.h"
#include "engine/Workspace.h"
#include "store/LineageDb.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace weir::engine {

// A file of the run that could not be restored, and why.
struct Unrestored {
  std::string role;  // source, program, step, output
  std::string path;  // as people should see it
  std::string why;
};

// An output file or model of the run and what the re-run produced.
struct ReproducedItem {
  std::string role;        // output, model
  std::string name;        // the file (relative to the project) or the model's declaration
  std::string recorded;    // the hash the run recorded
  std::string reproduced;  // the re-run's (empty: it produced none)
  bool identical() const { return recorded == reproduced; }
};

struct ReproduceRequest {
  std::string path;  // a folder or file of the project
  std::int64_t run = 0;
  unsigned jobs = 0;
  bool keep = false;  // keep the folder of the re-run (it is kept anyway when something differs)
};

struct Reproduction {
  std::string root;
  std::string error;  // why nothing was reproduced (no database, an unknown run, no snapshots)
  runtime::RunRecord run;
  std::string program;  // the run's root file, as people should see it
  std::optional<runtime::RunCommit> commit;
  std::size_t restored = 0;           // files restored
  std::vector<Unrestored> unrestored;  // not restored: nothing was run
  std::string folder;                 // where it ran (as people should see it; empty when removed)
  std::vector<std::string> failures;  // the re-run's failed nodes, compile errors, warnings of note
  std::vector<ReproducedItem> compared;

  // 0 identical, 1 something differs (or the re-run failed), 2 an input could not be restored
  // (or nothing could be reproduced: `error`).
  int exitCode() const;
};

Reproduction reproduceRun(const ReproduceRequest& request, const Cancellation* cancel = nullptr);

struct CheckoutRequest {
  std::string path;  // a folder or file of the project
  std::int64_t run = 0;
  bool outputs = false;  // restore its output files too
  bool force = false;    // overwrite files changed since the last run
};

struct CheckedOutFile {
  std::string role;
  std::string path;  // as people should see it
  // restored, unchanged (already the run's content), refused (a local change), blocked (not
  // restored because another file was refused: a checkout is all or nothing), unrestorable
  std::string status;
  std::string why;  // refused, blocked or unrestorable: why
};

struct Checkout {
  std::string root;
  std::string error;
  std::int64_t run = 0;
  std::vector<CheckedOutFile> files;
  // 0 every file is the run's now, 1 some were refused (local changes, without --force: then
  // nothing was written), 2 some could not be restored or written (or `error`).
  int exitCode() const;
};

Checkout checkoutRun(const CheckoutRequest& request);

}  // namespace weir::engine
