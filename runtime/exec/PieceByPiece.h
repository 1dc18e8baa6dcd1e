#pragma once

// Data files read and written a piece at a time, for a scan that streams into a sink or a
// grouping (Executor.cpp, `streamed`): what such a run holds is a few pieces, whatever the size
// of the file.

#include "exec/DataFiles.h"

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

namespace weir::runtime {

// readSource with `stream`, its CSV pieces of at most `pieceBytes` bytes of text (0: the
// reader's own cap, CsvOptions::streamPieceBytes).
SourceRead readSourceInPieces(const plan::Node& scan, const DataFileOptions& options, const std::function<void(Table)>& stream,
                              std::size_t pieceBytes);

// A sink's file written a piece at a time: the pieces' rows, in order, are the table `writeSink`
// would write, and the file is the same bytes. Written to a temporary file that `commit` renames
// over the target; abandoned (the target untouched) when destroyed before. Throws OperatorError
// as `writeSink` does. CSV and JSON Lines.
class SinkWriter {
 public:
  SinkWriter(const plan::Node& sink, const DataFileOptions& options, bool write);
  ~SinkWriter();
  void append(const Table& piece);
  // Returns the path written; `hash` the content's.
  std::string commit(std::string* hash);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace weir::runtime
