#include "driver/Frontend.h"
#include "engine/Serving.h"
#include "engine/Workspace.h"
#include "net/HttpServer.h"
#include "support/UtcTime.h"

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <charconv>
#include <csignal>
#include <cstdlib>
#include <mutex>
#include <ostream>
#include <thread>

namespace weir::driver {

const char* serveHelp() {
  return R"(Usage: weir serve [options] FILE

Serves over HTTP the deploys of FILE whose stage holds a registered version (the
version `weir registry` shows in the deploy's stage), until SIGINT or SIGTERM:
  POST /v1/models/NAME/predict   {"rows": [{"column": value, ...}, ...]} ->
                                 {"model", "deploy", "version", "predictions"}
  GET  /v1/models/NAME           the version served and its input schema
  GET  /healthz                  200 when a version is served
  GET  /metrics                  Prometheus text format
NAME is a deploy, or the model of one deploy. A deploy takes its model's source
rows when everything between the source and the model works row by row (its
`where`, `derive`, `fill` run for the request as in a batch run), else its
model's features; GET /v1/models/NAME says which (docs/SERVING.md).

A bad row is a 400 naming the row and the column; an unknown model 404; a body
over 4 MiB or over 10,000 rows 413. When the environment sets WEIR_SERVE_TOKEN,
every endpoint but /healthz requires `Authorization: Bearer <token>` (401).
The registry is read every second: a new deploy, a promotion or a rollback is
served without dropping a request. Each version served is recorded in the audit
log (kind `serve`). A sample of the rows served (not @pii columns) is kept in
.weir/serve/DEPLOY/*.jsonl for drift triggers.

One line per request goes to the error stream (method, path, status, time,
version, rows, and for a 400 the row and column: never a value sent).

Options:
  --host HOST          the address to listen on (default 127.0.0.1: this
                       machine only)
  --port N             the port (0: any free port; default: the deploy's
                       `serve = http(port = p)` when exactly one deploy is
                       served and it says one, else 8080)
  --no-request-log     do not write a line per request
  --no-sample          keep no sample of served rows
  -h, --help           show this help

The first line on standard output is `listening on http://HOST:PORT`.
Exit codes: 0 stopped by a signal, 1 errors in the program, 2 usage error,
nothing to serve, or the port cannot be used.
)";
}

const char* predictHelp() {
  return R"(Usage: weir predict FILE MODEL --input ROWS.csv --output OUT.csv

Scores the rows of ROWS.csv with the version of MODEL (a deploy of FILE, or the
model of one) that its stage holds, as `weir serve` would: the same input schema
and validation (the source readers' rules: types, nulls, category levels; a
column the input does not take is an error), the same pipeline and model. OUT.csv
(written atomically) holds the input's columns and `prediction`: a binary
model's probability of its positive class, a regression's value, a multiclass
model's class; empty for a row the pipeline's `where` removes.

Options:
  --input FILE         the rows, CSV with a header
  --output FILE        where to write the predictions
  -h, --help           show this help

Exit codes: 0 written, 1 errors in the program or in the rows (nothing is
written), 2 usage error, no version to use, a file that cannot be read or written.
)";
}

namespace {

std::atomic<bool> gStopRequested{false};

// What the request log says of a request beyond what the server's observer sees, kept by the
// worker that answers it between the handler and the observer.
struct Logged {
  std::string deploy;
  std::int64_t version = 0;
  std::size_t rows = 0;
  std::optional<std::size_t> row;
  std::string column;
};
thread_local Logged logged;

extern "C" void onStopSignal(int) { gStopRequested = true; }

std::string endpointOf(const std::string& path) {
  if (path == "/healthz") return "healthz";
  if (path == "/metrics") return "metrics";
  if (path.rfind("/v1/models/", 0) == 0) return path.size() > 8 && path.compare(path.size() - 8, 8, "/predict") == 0 ? "predict" : "model";
  return "other";
}

bool tokenMatches(const std::string& given, const std::string& expected) {
  // Compared in constant time for a given length.
  if (given.size() != expected.size()) return false;
  unsigned char difference = 0;
  for (std::size_t i = 0; i < given.size(); ++i) difference |= static_cast<unsigned char>(given[i] ^ expected[i]);
  return difference == 0;
}

runtime::net::HttpResponse toResponse(const engine::ServeAnswer& answer) {
  runtime::net::HttpResponse response;
  response.status = answer.status;
  response.body = answer.body;
  return response;
}

std::string utcNow() { return support::formatUtc(std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now())); }

}  // namespace

int runServe(const std::vector<std::string>& args, Streams streams) {
  std::optional<CommandLine> line = CommandLine::parse(
      "serve", args, {{"--host", true}, {"--port", true}, {"--no-request-log"}, {"--no-sample"}}, streams);
  if (!line) return kExitUsage;
  if (line->positional().size() != 1 || line->positional()[0] == "-") return usageError("serve", "give exactly one program file", streams);
  std::string host = line->value("--host").value_or("127.0.0.1");
  std::optional<int> port;
  if (line->has("--port")) {
    const std::string text = *line->value("--port");
    int value = -1;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value < 0 || value > 65535) {
      return usageError("serve", fmt::format("a port is a number from 0 to 65535, not `{}`", text), streams);
    }
    port = value;
  }

  engine::Workspace workspace;
  std::shared_ptr<const engine::Compilation> compilation = workspace.compile(line->positional()[0]);
  if (!compilation->ok()) return reportCompileFailure(*compilation, "serve", streams);
  std::string error;
  std::vector<std::string> notes;
  std::unique_ptr<engine::ModelService> service = engine::ModelService::open(compilation, error, notes);
  for (const std::string& note : notes) streams.err << "weir serve: note: " << note << "\n";
  if (!service) {
    streams.err << "weir serve: " << error << "\n";
    return kExitUsage;
  }
  if (!port) port = service->programPort().value_or(8080);
  if (!service->programPort() && !line->has("--port") && service->deployNames().size() > 1) {
    streams.err << "weir serve: note: several deploys are served on one port (8080 unless --port says otherwise)\n";
  }

  const char* tokenVariable = std::getenv("WEIR_SERVE_TOKEN");
  std::string token = tokenVariable != nullptr ? tokenVariable : "";
  bool requestLog = !line->has("--no-request-log");

  runtime::net::HttpServerOptions options;
  options.maxBodyBytes = engine::kMaxRequestBytes;
  runtime::net::HttpServer server(options);
  engine::ModelService& model = *service;
  auto authorized = [&token](const runtime::net::HttpRequest& request) {
    return token.empty() || tokenMatches(request.header("Authorization"), "Bearer " + token);
  };
  auto unauthorized = [] {
    runtime::net::HttpResponse response;
    response.status = 401;
    response.body = runtime::net::jsonErrorBody("this server requires `Authorization: Bearer <token>` (WEIR_SERVE_TOKEN)");
    response.headers.emplace_back("WWW-Authenticate", "Bearer");
    return response;
  };
  auto remember = [](const engine::ServeAnswer& answer) {
    logged = Logged{answer.deploy, answer.version, answer.rows, answer.row, answer.column};
  };

  server.route("POST", "/v1/models/([^/]+)/predict", [&](const runtime::net::HttpRequest& request) {
    if (!authorized(request)) return unauthorized();
    engine::ServeAnswer answer = model.predict(request.pathMatches[0], request.body);
    remember(answer);
    return toResponse(answer);
  });
  server.route("GET", "/v1/models/([^/]+)", [&](const runtime::net::HttpRequest& request) {
    if (!authorized(request)) return unauthorized();
    engine::ServeAnswer answer = model.describe(request.pathMatches[0]);
    remember(answer);
    return toResponse(answer);
  });
  server.route("GET", "/healthz", [&](const runtime::net::HttpRequest&) { return toResponse(model.health()); });
  server.route("GET", "/metrics", [&](const runtime::net::HttpRequest& request) {
    if (!authorized(request)) return unauthorized();
    runtime::net::HttpResponse response;
    response.contentType = "text/plain; version=0.0.4";
    response.body = model.metricsText();
    return response;
  });
  std::mutex logMutex;
  server.observe([&](const runtime::net::HttpExchange& exchange) {
    model.recordRequest(endpointOf(exchange.path), exchange.status, exchange.elapsed);
    if (requestLog) {
      std::string text = fmt::format("{} {} {} {} {:.3f}ms", utcNow(), exchange.method, exchange.path, exchange.status,
                                     std::chrono::duration<double, std::milli>(exchange.elapsed).count());
      if (!logged.deploy.empty()) text += fmt::format(" deploy={} version={} rows={}", logged.deploy, logged.version, logged.rows);
      if (logged.row) text += fmt::format(" row={}", *logged.row);
      if (!logged.column.empty()) text += fmt::format(" column={}", logged.column);
      std::lock_guard<std::mutex> lock(logMutex);
      streams.err << text << "\n";
      streams.err.flush();
    }
    logged = Logged{};
  });

  int bound = server.bind(host, *port, error);
  if (bound < 0) {
    streams.err << "weir serve: " << error << "\n";
    return kExitUsage;
  }
  service->setAddress(host, bound);
  if (!service->auditStart(error)) {
    streams.err << "weir serve: " << error << "\n";
    return kExitUsage;
  }
  if (!line->has("--no-sample")) service->keepSamples({});

  struct sigaction action {};
  action.sa_handler = onStopSignal;
  sigemptyset(&action.sa_mask);
  struct sigaction previousInt {}, previousTerm {};
  ::sigaction(SIGINT, &action, &previousInt);
  ::sigaction(SIGTERM, &action, &previousTerm);

  for (const std::string& served : service->summary()) streams.err << "weir serve: " << served << "\n";
  streams.out << fmt::format("listening on http://{}:{}\n", host.find(':') != std::string::npos ? "[" + host + "]" : host, bound);
  streams.out.flush();

  std::atomic<bool> finished{false};
  std::thread watcher([&] {
    auto lastRefresh = std::chrono::steady_clock::now();
    while (!finished) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      if (gStopRequested) {
        server.stop();
        break;
      }
      if (std::chrono::steady_clock::now() - lastRefresh < std::chrono::seconds(1)) continue;
      lastRefresh = std::chrono::steady_clock::now();
      for (const std::string& event : model.refresh()) {
        std::lock_guard<std::mutex> lock(logMutex);
        streams.err << "weir serve: " << event << "\n";
        streams.err.flush();
      }
      model.flushSamples(false);
    }
  });
  bool ok = server.serve();
  finished = true;
  watcher.join();
  service->flushSamples(true);
  ::sigaction(SIGINT, &previousInt, nullptr);
  ::sigaction(SIGTERM, &previousTerm, nullptr);
  gStopRequested = false;
  if (!ok) {
    streams.err << "weir serve: the listening socket failed\n";
    return kExitUsage;
  }
  streams.err << "weir serve: stopped\n";
  return kExitOk;
}

int runPredict(const std::vector<std::string>& args, Streams streams) {
  std::optional<CommandLine> line = CommandLine::parse("predict", args, {{"--input", true}, {"--output", true}}, streams);
  if (!line) return kExitUsage;
  if (line->positional().size() != 2) return usageError("predict", "give a program file and a model (or deploy)", streams);
  if (!line->has("--input") || !line->has("--output")) {
    return usageError("predict", "say which rows to score and where: `--input ROWS.csv --output OUT.csv`", streams);
  }
  engine::Workspace workspace;
  std::shared_ptr<const engine::Compilation> compilation = workspace.compile(line->positional()[0]);
  if (!compilation->ok()) return reportCompileFailure(*compilation, "predict", streams);
  std::string error;
  std::vector<std::string> notes;
  std::unique_ptr<engine::ModelService> service = engine::ModelService::open(compilation, error, notes);
  if (!service) {
    streams.err << "weir predict: " << error << "\n";
    return kExitUsage;
  }
  std::size_t rows = 0;
  std::int64_t version = 0;
  engine::PredictFileStatus status = engine::PredictFileStatus::Ok;
  error = service->predictFile(line->positional()[1], *line->value("--input"), *line->value("--output"), rows, version, status);
  if (!error.empty()) {
    streams.err << "weir predict: " << error << "\n";
    return status == engine::PredictFileStatus::BadRows ? kExitFailed : kExitUsage;
  }
  streams.out << fmt::format("predicted {} rows with `{}` version {}: {}\n", rows, line->positional()[1], version,
                             *line->value("--output"));
  return kExitOk;
}

}  // namespace weir::driver
