#pragma once

// A recorded run as OpenLineage 2-0-2 run events (docs/OPENLINEAGE.md): the pipeline's run as
// a parent job (START at the run's start, COMPLETE, FAIL or ABORT at its end) and a job per
// declaration that computed in it (START and COMPLETE or FAIL at its nodes' times, with the
// ParentRunFacet), reading and writing datasets that each carry their schema: source and sink
// files named as OpenLineage names local files, tables in between, models and metrics tables in
// the pipeline's namespace, expectations as data-quality assertions on the dataset they check.
//
// Consumes the lineage database (the run's node records, times, rule outcomes, metrics and
// program text) and the program as that run compiled it (its stored text, else the files as
// they are). Produces the events as JSON text; it sends nothing (HttpClient does, for the
// command).

#include "engine/Workspace.h"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace weir::engine {

// Who wrote the events (`producer`, `_producer`): a URN, not a web site.
inline constexpr const char* kOpenLineageProducer = "urn:weir:engine:0.1.0";
// Where Weir's own facets' schemas are said to be (`_schemaURL`): URNs too; the schemas are in
// docs/schemas/openlineage/.
inline constexpr const char* kWeirModelFacetSchema = "urn:weir:openlineage:WeirModelDatasetFacet:1-0-0";
inline constexpr const char* kWeirMetricsFacetSchema = "urn:weir:openlineage:WeirMetricsDatasetFacet:1-0-0";

struct OpenLineageRun {
  // The program as the run compiled it; when it is not ok there are no events (its diagnostics say why).
  std::shared_ptr<const Compilation> compilation;
  std::string error;  // why there are no events (no database, no such run, a run of another program)
  std::int64_t run = 0;
  std::vector<std::string> events;  // one JSON object each, on one line, in the order of their times
  // What the events leave out and why (a run recorded before node times were kept).
  std::vector<std::string> notes;
};

// The events of run `run` of the program `file` (none: its last recorded run).
OpenLineageRun openLineageEvents(Workspace& workspace, const std::string& file, std::optional<std::int64_t> run);

// Sending events to an OpenLineage HTTP endpoint (`--emit-to`): each event is POSTed on its own
// (Content-Type application/json) to the URL's path, `/api/v1/lineage` when it has none. A
// request that gets no answer, a 5xx or a 429 is tried again (`attempts` in all, waiting
// `backoff`, then twice as long...); any other answer but 2xx stops at once.
struct OpenLineageDelivery {
  std::string endpoint;  // the URL posted to, without credentials
  std::size_t sent = 0;  // events the endpoint took (2xx)
  std::string error;     // why the rest were not sent (empty: all were)
};
struct OpenLineagePostOptions {
  int attempts = 3;
  std::chrono::milliseconds backoff{250};
};
OpenLineageDelivery postOpenLineage(const std::vector<std::string>& events, const std::string& url,
                                    const OpenLineagePostOptions& options = {});

// Milliseconds since the Unix epoch as ISO 8601 UTC text to the millisecond
// (`2026-05-01T12:00:00.250Z`).
std::string isoMilliseconds(std::int64_t ms);

}  // namespace weir::engine
