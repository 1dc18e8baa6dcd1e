# lit configuration for Weir's compiler and command-line tests. One folder per phase:
# parse/ (syntax and AST), names/ (modules and name resolution), format/ (weir fmt),
# driver/ (the command line), examples/ (every example and stdlib module).
import os
import lit.formats

config.name = "weir"
# External shell (bash): tests check exact exit codes with `$?`.
config.test_format = lit.formats.ShTest(execute_external=True)
config.suffixes = [".mlflow", ".test"]
config.excludes = ["Inputs"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.weir_obj_root, "test", "lit")

config.substitutions.append(("%weir", config.weir_binary))
config.substitutions.append(("FileCheck", config.filecheck))
config.substitutions.append(("%not", config.not_program))
config.substitutions.append(("%python", config.python))
config.substitutions.append(("%root", config.weir_source_root))

# Diagnostics must be plain text, whatever the caller's environment.
config.environment["NO_COLOR"] = "1"
config.environment.pop("WEIR_STDLIB", None)

# Tests that compare with scikit-learn, or load exported models with XGBoost's Python package,
# need Debian's python3-sklearn and python3-xgboost (scripts/install-deps.sh installs them)
# under the system Python.
import subprocess
_system_python = "/usr/bin/python3"
for _module, _feature in (("sklearn", "sklearn"), ("xgboost", "xgboost"), ("jsonschema", "jsonschema"), ("scipy", "scipy"),
                         ("pandas", "pandas")):
    try:
        if subprocess.run([_system_python, "-c", "import " + _module], capture_output=True).returncode == 0:
            config.available_features.add(_feature)
    except OSError:
        pass
config.substitutions.append(("%sklearn_python", _system_python))
config.substitutions.append(("%xgboost_python", _system_python))
# Interop is checked against the consumers' own schemas, stored in test/schemas/.
config.substitutions.append(("%validate_json", _system_python + " " + os.path.join(config.test_source_root, "..", "schemas", "validate.py")))
# The drift tests compute PSI and KS with numpy and scipy (python3-scipy).
config.substitutions.append(("%scipy_python", _system_python))
# Windows and as-of joins are compared with pandas (python3-pandas).
config.substitutions.append(("%pandas_python", _system_python))
config.substitutions.append(("%check_openlineage", _system_python + " " + os.path.join(config.test_source_root, "..", "schemas", "check_openlineage.py")))

# The language server's test with a real client needs Neovim (Debian's 0.7.2: `nvim`).
import shutil
if shutil.which("nvim"):
    config.available_features.add("nvim")

# The Slurm executor's end-to-end test starts a one-host cluster (scripts/slurm-cluster.sh) from
# Debian's slurm-wlm and munge, as root (slurmd launches the jobs).
if all(shutil.which(tool) for tool in ("sbatch", "squeue", "slurmctld", "slurmd", "munged")) and os.geteuid() == 0:
    config.available_features.add("slurm")
