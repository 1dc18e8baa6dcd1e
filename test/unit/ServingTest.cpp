// The engine's serving (engine/Serving.h) on a project a run registered a version in: a @pii
// column the features need is taken but never sampled, the sample of served rows is bounded and
// rotated, a deploy's version is described, and predictions are the batch run's.
#include "engine/RunSession.h"
#include "engine/Serving.h"
#include "engine/Workspace.h"
#include "TestSupport.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace weir::engine {
namespace {

namespace fs = std::filesystem;

class ServingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("weir-serving-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_ / ".weir");
    // The features read the length of a @pii column (the policy lets it through with a warning).
    std::ofstream(root_ / "main.mlflow") << "pipeline p\n"
                                            "policy {\n  pii_in_features = warn\n}\n"
                                            "schema S { email: string @pii, x: float, y: bool }\n"
                                            "source s: S = csv(\"s.csv\")\n"
                                            "let f = s | derive n = length(email)\n"
                                            "model m = logistic(f) {\n  target = y\n  features = [x, n]\n"
                                            "  card {\n    owner = \"t\"\n    intended_use = \"tests\"\n  }\n}\n"
                                            "metrics e = evaluate(m, f) { auc }\n"
                                            "gate g on m {\n  e.auc >= 0\n}\n"
                                            "sink scored = f | predict m as p to csv(\"scored.csv\")\n"
                                            "deploy api {\n  model = m\n  stage = production\n  requires = [g]\n}\n";
    std::ofstream data(root_ / "s.csv");
    data << "email,x,y\n";
    for (int i = 0; i < 200; ++i) data << "someone" << std::string(static_cast<std::size_t>(i % 9), 'x') << "@example.com," << (i % 13) * 0.5 << "," << (i % 3 == 0 ? "true" : "false") << "\n";
    data.close();
    Workspace workspace;
    RunRequest request;
    request.file = (root_ / "main.mlflow").string();
    RunSession session(workspace, request);
    RunResult result = session.run();
    ASSERT_TRUE(result.ran());
    ASSERT_FALSE(result.report.failed);
    std::string error;
    std::vector<std::string> notes;
    service_ = ModelService::open(workspace_.compile(request.file), error, notes);
    ASSERT_TRUE(service_) << error;
  }
  void TearDown() override { fs::remove_all(root_); }

  std::vector<fs::path> sampleFiles() const {
    std::vector<fs::path> files;
    fs::path folder = root_ / ".weir" / "serve" / "api";
    if (!fs::exists(folder)) return files;
    for (const auto& entry : fs::directory_iterator(folder)) files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    return files;
  }

  fs::path root_;
  Workspace workspace_;
  std::unique_ptr<ModelService> service_;
};

TEST_F(ServingTest, APiiColumnIsTakenAndDescribedButNeverSampled) {
  nlohmann::json described = nlohmann::json::parse(service_->describe("api").body);
  EXPECT_EQ(described["input"], "source");
  ASSERT_EQ(described["columns"].size(), 2u);
  EXPECT_EQ(described["columns"][0]["name"], "email");
  EXPECT_EQ(described["columns"][0]["pii"], true);
  EXPECT_EQ(described["columns"][1]["name"], "x");

  service_->keepSamples({});
  ServeAnswer answer = service_->predict("m", R"({"rows": [{"email": "secret@example.com", "x": 2.5}]})");
  ASSERT_EQ(answer.status, 200) << answer.body;
  service_->flushSamples(true);
  std::vector<fs::path> files = sampleFiles();
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(test::fileText(files[0]), "{\"x\":2.5}\n");
}

TEST_F(ServingTest, TheSampleIsBoundedAndRotated) {
  SampleOptions options;
  options.rowsPerFile = 3;
  options.files = 2;
  options.flushEvery = std::chrono::milliseconds(0);
  service_->keepSamples(options);
  for (int i = 0; i < 5; ++i) {
    std::string body = "{\"rows\": [{\"email\": \"a@b\", \"x\": " + std::to_string(2 * i) + "}, {\"email\": \"a@b\", \"x\": " +
                       std::to_string(2 * i + 1) + "}]}";
    ASSERT_EQ(service_->predict("api", body).status, 200);
    service_->flushSamples(false);
  }
  // A refused request is not sampled.
  EXPECT_EQ(service_->predict("api", R"({"rows": [{"email": "a@b", "x": "no"}]})").status, 400);
  service_->flushSamples(true);
  std::vector<fs::path> files = sampleFiles();
  ASSERT_EQ(files.size(), 2u);  // the oldest files were removed
  std::string rows;
  for (const fs::path& file : files) {
    std::string content = test::fileText(file);
    EXPECT_LE(std::count(content.begin(), content.end(), '\n'), 3);
    rows += content;
  }
  // The newest rows, in the order served.
  EXPECT_EQ(rows, "{\"x\":6}\n{\"x\":7}\n{\"x\":8}\n{\"x\":9}\n");
}

TEST_F(ServingTest, PredictionsAreTheBatchRunsAndAnUnknownNameSuggests) {
  std::ifstream scored(root_ / "scored.csv");
  std::string header, line;
  std::getline(scored, header);
  ASSERT_EQ(header, "email,x,y,n,p");
  std::getline(scored, line);
  std::vector<std::string> fields;
  std::stringstream split(line);
  for (std::string field; std::getline(split, field, ',');) fields.push_back(field);
  ServeAnswer answer = service_->predict("api", "{\"rows\": [{\"email\": \"" + fields[0] + "\", \"x\": " + fields[1] + "}]}");
  ASSERT_EQ(answer.status, 200) << answer.body;
  double served = nlohmann::json::parse(answer.body)["predictions"][0].get<double>();
  EXPECT_NEAR(served, std::stod(fields[4]), 1e-9);
  ServeAnswer unknown = service_->predict("apj", "{}");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_NE(unknown.body.find("did you mean `api`?"), std::string::npos) << unknown.body;
}

}  // namespace
}  // namespace weir::engine
