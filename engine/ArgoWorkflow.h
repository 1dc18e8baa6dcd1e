#pragma once

// A plan as an Argo Workflow (`weir plan --format argo`): the jobs of engine/ClusterJobs.h as the
// tasks of a DAG, each a container running `weir cluster-job` in the project folder, mounted from
// a shared volume; a last task runs `weir run` there, which finds every outcome in the cache and
// evaluates the gates, registers the deploys and records the run. JSON, which Argo (and
// kubectl) read as they read YAML.

#include "plan/Plan.h"

#include <string>
#include <vector>

namespace weir::engine {

struct ArgoOptions {
  std::string program;     // the root file, relative to the project root
  std::string pipeline;    // names the workflow (`generateName`)
  std::string image = "weir:latest";     // a container image with the same weir
  std::string volumeClaim = "weir-project";  // the PersistentVolumeClaim holding the project
  std::string mountPath = "/project";
  std::vector<std::string> compileTargets;
  std::vector<std::string> disabledPasses;
};

std::string argoWorkflowJson(const plan::Plan& plan, const ArgoOptions& options);

}  // namespace weir::engine
