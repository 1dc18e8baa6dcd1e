#pragma once

// Sources and sinks on disk: where a path points (never outside the project, symlinks
// included), reading a source's file by its format, writing a sink's file atomically.

#include "expr/KernelCompiler.h"
#include "plan/Plan.h"
#include "table/Table.h"

#include <functional>
#include <string>

namespace weir::runtime {

struct DataFileOptions {
  std::string projectRoot;       // canonical; data paths may not leave it, sinks may not write its `.weir/`
  std::string quarantineFolder;  // where `on_error = quarantine` writes rejected records
  // Where steps run, each in a fresh folder of its own, and where their output streams are kept
  // (exec/ExternalStep.h).
  std::string scratchFolder;
  std::string logsFolder;
  std::string stateBase;  // the trusted folder those are below (io/StateFolder.h): the project root
  // Compiles a filter pushed into a scan (the JIT); none: the interpreter runs it.
  KernelCompiler* kernels = nullptr;
};

// The canonical path `io.path` names, relative to the declaring file's folder. Throws
// OperatorError when it leaves the project root (through `..` or a symlink).
std::string resolveDataPath(const plan::Node::Io& io, const DataFileOptions& options);

struct SourceRead {
  Table table;
  std::string path;
  std::size_t records = 0;     // data records read (kept or not)
  std::size_t skipped = 0;     // dropped by `on_error = skip`
  std::size_t quarantined = 0; // set aside by `on_error = quarantine`
  std::string quarantineFile;  // where they went
  bool filtered = false;       // the scan's pushed-down filter has been applied
  std::size_t heldRows = 0;    // the most records held at once before the filter (ReadResult::heldRows)
  std::vector<std::string> notes;  // for the summary: columns ignored, every record rejected
};

// Reads a scan node's source (only the columns it reads, its pushed-down filter applied). Every
// declared column is checked and `@key` columns are unique and not null, whatever the scan reads.
// Throws OperatorError with `path:line:column: ...` for bad data under `on_error = fail`, for
// more bad records than `max_bad_fraction`, and for unreadable files. With `stream`, the table is handed to it a piece at a time, in order, and
// the result's table is empty.
SourceRead readSource(const plan::Node& scan, const DataFileOptions& options,
                      const std::function<void(Table)>& stream = {});

// A CSV scan's pushed-down filter (runs on each piece as it is read): the columns it sees and
// its name for the JIT's report. The executor compiles it ahead of the read (Executor.cpp).
std::vector<ColumnSpec> pushedFilterColumns(const plan::Node& scan);
std::string pushedFilterLabel(const plan::Node& scan);

// Writes a sink node's table; returns the path written, and the content's hash in `hash`.
// With `write` false, only the hash of what it would write. Throws OperatorError when the path
// is inside the project's `.weir/` (the checker's E0321).
std::string writeSink(const plan::Node& sink, const Table& table, const DataFileOptions& options, std::string* hash = nullptr,
                      bool write = true);

}  // namespace weir::runtime
