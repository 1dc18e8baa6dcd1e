#include "engine/ArgoWorkflow.h"

#include "engine/ClusterJobs.h"
#include "support/JsonText.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cctype>
#include <cmath>
#include <set>

namespace weir::engine {

namespace {

// A Kubernetes name part: lower-case letters, digits and `-`, starting and ending with an
// alphanumeric character.
std::string kubernetesWord(const std::string& text) {
  std::string out;
  for (char c : text) {
    unsigned char u = static_cast<unsigned char>(c);
    out += std::isalnum(u) ? static_cast<char>(std::tolower(u)) : '-';
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  while (!out.empty() && out.front() == '-') out.erase(out.begin());
  if (out.empty()) out = "x";
  if (out.size() > 40) out.resize(40);
  while (out.back() == '-') out.pop_back();
  return out;
}

}  // namespace

std::string argoWorkflowJson(const plan::Plan& plan, const ArgoOptions& options) {
  std::vector<ClusterJob> jobs = cutIntoJobs(plan, std::vector<bool>(plan.size(), true));
  std::string program = options.mountPath + "/" + options.program;
  nlohmann::ordered_json mounts = nlohmann::ordered_json::array({{{"name", "project"}, {"mountPath", options.mountPath}}});
  auto container = [&](std::vector<std::string> command) {
    nlohmann::ordered_json c;
    c["image"] = options.image;
    c["command"] = std::vector<std::string>{command.front()};
    command.erase(command.begin());
    c["args"] = command;
    c["workingDir"] = options.mountPath;
    c["volumeMounts"] = mounts;
    return c;
  };

  nlohmann::ordered_json tasks = nlohmann::ordered_json::array();
  nlohmann::ordered_json templates = nlohmann::ordered_json::array();
  std::vector<std::string> taskNames;
  std::set<std::string> used{"run", "record"};
  std::set<std::size_t> readByAnother;
  for (const ClusterJob& job : jobs) readByAnother.insert(job.after.begin(), job.after.end());
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    const ClusterJob& job = jobs[i];
    std::string base = kubernetesWord(job.name), name = base;
    for (int n = 2; used.count(name) != 0 || used.count("job-" + name) != 0; ++n) name = fmt::format("{}-{}", base, n);
    used.insert(name);
    taskNames.push_back(name);
    ClusterJobSpec spec = jobSpec(plan, job, program, options.compileTargets, options.disabledPasses);
    std::vector<std::string> command{"weir", "cluster-job"};
    std::vector<std::string> arguments = spec.arguments();
    command.insert(command.end(), arguments.begin(), arguments.end());
    nlohmann::ordered_json task;
    task["name"] = name;
    task["template"] = "job-" + name;
    if (!job.after.empty()) {
      std::vector<std::string> after;
      for (std::size_t up : job.after) after.push_back(taskNames[up]);
      task["dependencies"] = after;
    }
    tasks.push_back(task);
    nlohmann::ordered_json tmpl;
    tmpl["name"] = "job-" + name;
    plan::Node::Resources resources = jobResources(plan, job);
    if (resources.timeSeconds > 0) tmpl["activeDeadlineSeconds"] = std::to_string(static_cast<long long>(std::ceil(resources.timeSeconds)));
    tmpl["container"] = container(command);
    nlohmann::ordered_json requests = nlohmann::ordered_json::object();
    if (resources.cpus > 0) requests["cpu"] = std::to_string(resources.cpus);
    // Kubernetes' binary units (Gi) are what `16G` means to Slurm and to Weir.
    if (!resources.memory.empty()) requests["memory"] = resources.memory + "i";
    if (!requests.empty()) tmpl["container"]["resources"] = {{"requests", requests}};
    templates.push_back(tmpl);
  }
  // The run itself, from the cache: gates, deploys, the record.
  std::vector<std::string> run{"weir", "run"};
  for (const std::string& target : options.compileTargets) run.insert(run.end(), {"--target", target});
  for (const std::string& pass : options.disabledPasses) run.insert(run.end(), {"--disable-pass", pass});
  run.push_back(program);
  nlohmann::ordered_json record;
  record["name"] = "record";
  record["template"] = "record";
  std::vector<std::string> last;
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    if (readByAnother.count(i) == 0) last.push_back(taskNames[i]);
  }
  if (!last.empty()) record["dependencies"] = last;
  tasks.push_back(record);
  nlohmann::ordered_json recordTemplate;
  recordTemplate["name"] = "record";
  recordTemplate["container"] = container(run);
  templates.push_back(recordTemplate);

  nlohmann::ordered_json dag;
  dag["name"] = "run";
  dag["dag"] = {{"tasks", tasks}};
  templates.insert(templates.begin(), dag);

  nlohmann::ordered_json workflow;
  workflow["apiVersion"] = "argoproj.io/v1alpha1";
  workflow["kind"] = "Workflow";
  workflow["metadata"] = {{"generateName", "weir-" + kubernetesWord(options.pipeline.empty() ? "run" : options.pipeline) + "-"},
                          {"annotations", {{"weir-program", options.program}}}};
  nlohmann::ordered_json spec;
  spec["entrypoint"] = "run";
  spec["volumes"] = nlohmann::ordered_json::array(
      {{{"name", "project"}, {"persistentVolumeClaim", {{"claimName", options.volumeClaim}}}}});
  spec["templates"] = templates;
  workflow["spec"] = spec;
  return support::jsonText(workflow, 2) + "\n";
}

}  // namespace weir::engine
