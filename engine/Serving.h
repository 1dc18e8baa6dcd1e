#pragma once

// Serving the deployed models (`weir serve`, `weir predict`; docs/SERVING.md). Consumes a
// compilation of a program and its project's model registry; guarantees that a served row is
// validated by the source readers' rules and scored by the compiled row expressions and the
// model code a batch run uses, so a served prediction is the batch `predict` of the same row.
//
// Each deploy with a stage gets a request path, compiled once from the program: the rows a
// client sends are its model's source schema (the source columns the path to the model reads)
// when every operator between the source and the model works row by row; the operators that
// choose or order training rows (split, sample, take, sort, distinct) are skipped, the others
// (where, derive, fill, select, drop, rename) run for the request. When something between them
// needs more than the row (a join, a group, an aggregate over the whole table, a union, a step,
// another model's prediction), the deploy takes its model's feature schema instead, and says why.
//
// The version served is the one the registry holds in the deploy's stage; `refresh()` follows
// the registry (a new deploy, a promotion, a rollback) and swaps versions between requests:
// a request keeps the version it started with. Thread safety: `predict`, `describe`, `health`
// and `metrics` may be called from any thread, concurrently with one `refresh` at a time.

#include "engine/Compilation.h"
#include "engine/Project.h"
#include "table/Table.h"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace weir::engine {

// What the request path of a deploy takes.
enum class ServedInput { Source, Features };

struct ServedColumn {
  runtime::ColumnSpec spec;
  bool pii = false;  // tagged @pii, or derived from such a column: never logged or sampled
};

// The limits of a request (docs/SERVING.md, "Limits").
inline constexpr std::size_t kMaxRequestBytes = 4u << 20;
inline constexpr std::size_t kMaxRequestRows = 10000;

// What a request gets: a status and a JSON body, and what the request log may say of it (never
// a value the client sent).
struct ServeAnswer {
  int status = 200;
  std::string body;
  std::string deploy;            // the deploy that answered, if any
  std::int64_t version = 0;      // the version that answered, if any
  std::size_t rows = 0;          // rows predicted
  std::optional<std::size_t> row;  // a bad request: the row at fault
  std::string column;              // and its column
};

enum class PredictFileStatus { Ok, BadRows, Failed };

struct SampleOptions {
  std::size_t rowsPerFile = 10000;
  std::size_t files = 10;  // the folder keeps at most this many files (the oldest are removed)
  std::chrono::milliseconds flushEvery{5000};
};

class ModelService {
 public:
  // The deploys of `compilation` (a program without errors, with its plan) and the versions in
  // their stages. Nullptr with `error` when nothing can be served (no deploy with a stage, no
  // registry, no stage holding a version, a version that cannot be loaded or does not fit the
  // program). `notes` says what is not served and why.
  static std::unique_ptr<ModelService> open(std::shared_ptr<const Compilation> compilation, std::string& error,
                                            std::vector<std::string>& notes);
  ~ModelService();

  // The deploys served, in the program's order, and the port the program asks for (`serve =
  // http(port = p)`) when exactly one deploy asks for one.
  std::vector<std::string> deployNames() const;
  std::optional<int> programPort() const;
  const Project& project() const;

  // POST /v1/models/NAME/predict (NAME: a deploy, or the model of one deploy).
  ServeAnswer predict(const std::string& name, std::string_view body);
  // GET /v1/models/NAME.
  ServeAnswer describe(const std::string& name) const;
  ServeAnswer health() const;
  // GET /metrics: Prometheus text format (version 0.0.4).
  std::string metricsText() const;
  // Counts an answered request (any endpoint), for /metrics.
  void recordRequest(const std::string& endpoint, int status, std::chrono::nanoseconds elapsed);

  // Reads the registry and swaps to the versions the stages hold now (each version loaded and
  // checked before it is served; one that cannot be is not, and the one served stays). Returns
  // what changed, for the server's log. Records the start of serving each new version in the
  // audit log (kind `serve`) with `host` and `port`.
  std::vector<std::string> refresh();
  void setAddress(const std::string& host, int port);
  // Records the versions served at start in the audit log; false with `error` when it cannot.
  bool auditStart(std::string& error);

  // Keep a sample of served rows in `.weir/serve/DEPLOY/` (docs/SERVING.md, "Sample").
  void keepSamples(SampleOptions options);
  // Writes the rows sampled so far (the server calls it periodically and when it stops).
  void flushSamples(bool force);

  // What is served, a line per deploy (for the server's log).
  std::vector<std::string> summary() const;

  // `weir predict`: the rows of a CSV file in the deploy's input schema scored; the output file
  // holds the input's columns and `prediction`, written atomically. Empty, or why not (`status`
  // says whether the rows were at fault).
  std::string predictFile(const std::string& name, const std::string& input, const std::string& output,
                          std::size_t& rows, std::int64_t& version, PredictFileStatus& status);

  struct Impl;

 private:
  explicit ModelService(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace weir::engine
