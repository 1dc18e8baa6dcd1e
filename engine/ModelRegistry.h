#pragma once

// The model registry of a project (docs/RUNTIME.md, "Registry and deploys"): the versions deploys
// registered, in the lineage database (store/LineageDb.h, "The model registry"), and their
// artifacts: each model's bytes (models/TrainedModel.h, encodeModel) kept under their SHA-256 in
// `.weir/registry/`, outside the result cache, so `weir cache gc` never removes a registered
// model. A deploy whose gates pass registers its model's version (NodeRun::modelVersion: the
// same fingerprint is the same version) and puts a new version in its stage, archiving the one
// there. `baseline.metric` in a gate is the metric of the version in the deploy's stage,
// measured on this run's evaluation table (RegistryBaselines).

#include "engine/Project.h"
#include "exec/Executor.h"
#include "exec/Gates.h"
#include "models/TrainedModel.h"
#include "store/LineageDb.h"
#include "store/ResultCache.h"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace weir::engine {

// ---- Artifacts (`.weir/registry/SHA256.model`) ----
// Keeps `bytes` under their SHA-256, which it returns (empty, with `error`, when it cannot).
std::string storeArtifact(const Project& project, std::string_view bytes, std::string& error);
// The bytes kept under `hash`, checked against it: nullopt with `error` when missing or altered.
std::optional<std::string> loadArtifact(const Project& project, const std::string& hash, std::string& error);
// A registered version's model, decoded from its artifact.
std::optional<runtime::TrainedModel> loadRegisteredModel(const Project& project, const runtime::RegisteredVersion& version,
                                                         std::string& error);

// ---- Deploys ----
// Registers the model of every deploy of `plan` that the run left to register (status done:
// its training and gates passed) and says what happened in its message ("registered `risk`
// version 2 in production, archived version 1"); a deploy that cannot register fails, saying
// why. `run`: the run's number in `db` (none: nothing can be registered). The model comes from
// the run (`report`) or, when the run did not hold it (its outcome stood), from `cache`.
// `atStart`: the registry as the run began, whose stages the gates' baselines came from: a
// deploy whose gates compared with the version in its stage registers nothing when another run
// changed that stage since.
void registerDeploys(const plan::Plan& plan, runtime::RunReport& report, const Project& project, const std::string& program,
                     runtime::LineageDb* db, std::int64_t run, const runtime::ResultCache* cache, const std::string& why,
                     const std::vector<runtime::RegisteredVersion>& atStart);

// ---- Baselines ----
// The versions in the stages as the registry held them when the run began, measured on the
// run's evaluation tables (read from the result cache under their keys).
class RegistryBaselines : public runtime::BaselineProvider {
 public:
  RegistryBaselines(const Project& project, std::vector<runtime::RegisteredVersion> versions, const runtime::ResultCache& cache,
                    unsigned threads);
  // The registry could not be read (`why`): no condition on a baseline can hold.
  void unreadable(std::string why) { unreadable_ = std::move(why); }
  runtime::Baseline baseline(const runtime::BaselineQuery& query) const override;

 private:
  const Project& project_;
  std::vector<runtime::RegisteredVersion> versions_;
  const runtime::ResultCache& cache_;
  unsigned threads_;
  std::string unreadable_;
  // A version measured once per evaluation and table, whatever the number of its metrics the
  // gates compare with: its metrics, or why it could not be measured.
  struct Measurement {
    std::vector<std::pair<std::string, double>> metrics;
    std::string error;
  };
  // Model, version, the evaluation's fingerprint (plans come and go: a run answered from the
  // manifest may go on to compile), the table's key, and the table the run holds (if any).
  using MeasurementKey = std::tuple<std::string, std::int64_t, std::string, std::string, const runtime::Table*>;
  mutable std::map<MeasurementKey, Measurement> measured_;
  Measurement measure(const runtime::RegisteredVersion& version, const runtime::BaselineQuery& query, const std::string& which) const;
};

// ---- `weir registry` ----
// The stages a deploy may name (the language's `stage = ...`), in order.
const std::vector<std::string>& deployStages();

struct StageRequest {
  std::string model;
  std::int64_t version = 0;  // promote: the version to put in the stage
  std::string stage;
};

// A registered version as `weir registry` lists it.
struct ListedVersion {
  runtime::RegisteredVersion version;
  std::string status;  // its stage; `archived` (it left a stage); `none` (never in one)
};

struct RegistryListing {
  std::string root;   // the project's
  std::string error;  // why it cannot be read (no database, or it cannot be opened)
  std::vector<ListedVersion> versions;  // by model, then version
};

// What a stage change did: the change, or why there was none (`error`: bad input or the
// database, nothing changed; `note`: nothing needed to change).
struct StageResult {
  std::string root;
  std::string error;
  std::string note;
  std::optional<runtime::StageChange> change;
};

// The registry of the project of `path` (a folder or a file of the project); of one model when
// `model` is not empty.
RegistryListing listRegistry(const std::string& path, const std::string& model = {});
// Puts a version in a stage (`weir registry promote`): the version in `stage` is archived. A
// version another stage holds is refused (that stage would be left without one).
StageResult promoteVersion(const std::string& path, const StageRequest& request);
// Puts back the version the stage held before the current one (`weir registry rollback`):
// deploys and promotions stack up, each rollback takes one off.
StageResult rollbackStage(const std::string& path, const StageRequest& request);

}  // namespace weir::engine
