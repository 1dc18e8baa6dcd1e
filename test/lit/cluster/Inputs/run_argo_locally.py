#!/usr/bin/env python3
"""Runs an Argo Workflow that `weir plan --format argo` wrote as Argo would, without Kubernetes:
checks its DAG (every task's template exists, dependencies name earlier tasks, no cycle), then
runs each task's container command in dependency order with the volume's mount path replaced by
a local project folder, and `weir` by the binary given. Prints one line per task and its exit
status; stops at the first task that fails (Argo's default).

usage: run_argo_locally.py WORKFLOW.json WEIR PROJECT_FOLDER
"""
import json
import subprocess
import sys


def main():
    workflow_path, weir, project = sys.argv[1:4]
    with open(workflow_path, encoding="utf-8") as f:
        workflow = json.load(f)
    spec = workflow["spec"]
    templates = {t["name"]: t for t in spec["templates"]}
    dag = templates[spec["entrypoint"]]["dag"]["tasks"]
    mount = None
    done = set()
    order = []
    pending = list(dag)
    while pending:
        ready = [t for t in pending if all(d in done for d in t.get("dependencies", []))]
        if not ready:
            print("cycle or unknown dependency among", [t["name"] for t in pending])
            return 1
        for task in ready:
            order.append(task)
            done.add(task["name"])
            pending.remove(task)
    for task in order:
        container = templates[task["template"]]["container"]
        mount = container["volumeMounts"][0]["mountPath"]
        words = container["command"] + container["args"]
        words = [project + w[len(mount):] if w == mount or w.startswith(mount + "/") else w for w in words]
        if words[0] == "weir":
            words[0] = weir
        status = subprocess.run(words, cwd=project, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        print(f"task {task['name']}: exit {status.returncode}")
        if status.returncode != 0:
            sys.stdout.write(status.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
