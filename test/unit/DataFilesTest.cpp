// exec/DataFiles.h: the runtime refuses what the checker refuses, also when the path changed
// between the check and the run (a symlink made meanwhile).
#include "exec/DataFiles.h"
#include "operators/OperatorError.h"
#include "support/ProjectPath.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <unistd.h>

using namespace weir;
namespace fs = std::filesystem;

TEST(DataFiles, SinksNeverWriteTheStateFolder) {
  fs::path dir = fs::temp_directory_path() / ("weir-data-files-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / ".weir");
  std::string root = support::canonicalPath(dir.string());
  plan::Node sink;
  sink.kind = plan::NodeKind::Sink;
  sink.io.emplace();
  sink.io->format = "csv";
  sink.io->baseDirectory = root;
  runtime::DataFileOptions options;
  options.projectRoot = root;
  runtime::Table table;
  table.rowsWithoutColumns = 1;
  for (const char* path : {".weir/weir.db", "./.weir/runs/x.json", "state/x.csv"}) {
    fs::remove(dir / "state");
    fs::create_directory_symlink(".weir", dir / "state");
    sink.io->path = path;
    EXPECT_THROW(runtime::writeSink(sink, table, options), runtime::OperatorError) << path;
  }
  EXPECT_TRUE(fs::is_empty(dir / ".weir"));
  sink.io->path = "out/x.csv";
  EXPECT_EQ(runtime::writeSink(sink, table, options), root + "/out/x.csv");
  fs::remove_all(dir);
}
