#pragma once

// Runs a step's external program (docs/RUNTIME.md, "Steps"), never through a shell:
// - its inputs are written (CsvWriter, JsonLinesWriter) into a fresh scratch folder below
//   `DataFileOptions::scratchFolder`, made through io/StateFolder.h, which is the program's
//   working directory;
// - it is started with posix_spawn: the resolved program and its argument vector, stdin from
//   /dev/null, stdout and stderr into the step's files of `DataFileOptions::logsFolder`, every
//   other descriptor closed, in a process group of its own, with a cleaned environment (the
//   allow-list below, the step's `env`, `WEIR_INPUT_<name>`, `WEIR_OUTPUT`, `WEIR_THREADS`);
// - past its timeout, or when the run is cancelled, its process group is killed; when it exits,
//   what it left running in its group is killed too;
// - its output file is read back by the source readers (exec/DataFiles.h) against the step's
//   declared schema, with its `on_error`;
// - the scratch folder is removed, whatever happened.
// Everything that goes wrong is an OperatorError whose message says what the program did (its
// exit status, the last lines of its error output) and where its streams are kept.

#include "exec/DataFiles.h"
#include "plan/Plan.h"
#include "table/Table.h"

#include <atomic>
#include <string>
#include <vector>

namespace weir::runtime {

// The variables a program inherits from Weir's environment (when set): every other is left out.
// `TMPDIR` is the step's scratch folder.
const std::vector<std::string>& inheritedVariables();

// The program a step runs and the files of the project its command names, as the run resolves
// them: a program written with a `/` is a path relative to the declaring file's folder (in the
// project unless the step says `outside_project = true`); one without is looked up on `PATH` (the
// step's `env` may set it). An argument that names a regular file of the project (relative to
// the declaring file's folder) is passed as that file's absolute path, since the program runs in
// its scratch folder; every other argument is passed as written.
struct ResolvedCommand {
  std::string program;                    // the absolute path of the file run
  std::vector<std::string> argv;          // the program as written, then the arguments
  std::vector<std::string> projectFiles;  // canonical; the program's when it is in the project, then the arguments', once each
  std::string text;                       // the command as written, for messages: `python3 features.py`
};

// Throws OperatorError when the program cannot be found, is not an executable file, or is
// outside the project without `outside_project = true`.
ResolvedCommand resolveStepCommand(const plan::Node& step, const DataFileOptions& files);

struct StepRun {
  SourceRead output;       // the output, read back (its rows, rejected records, notes)
  std::string stdoutFile;  // where the program's standard output and error are kept
  std::string stderrFile;
};

// Runs the step on `inputs` (its input tables, in order). `threads` is given to the program as
// `WEIR_THREADS`. `logs` (when not null) is set to the step's log files as soon as they exist,
// so a failure can name them too.
StepRun runStep(const plan::Node& step, const ResolvedCommand& command, const std::vector<const Table*>& inputs,
                const std::vector<const plan::Node*>& inputNodes, const DataFileOptions& files, unsigned threads,
                const std::atomic<bool>* cancelled, StepRun* logs = nullptr);

}  // namespace weir::runtime
