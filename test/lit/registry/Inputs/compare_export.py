"""Loads a `weir export` folder the way a Python user would, with nothing of Weir's: the model
with python3-xgboost (xgboost.Booster(model_file=...)) or, for a linear model, its coefficients
JSON; builds the model's input from rows of a CSV file that Weir wrote, using only what
schema.json says of the features and their encoding; and compares the predictions with the
ones Weir wrote beside those rows (a column of the same CSV), to 1e-6.

Then does the same through the Python code of the folder's README.md (its `encode` and
`predict`), so that what the README shows is known to work.

usage: compare_export.py EXPORT_DIR SCORED_CSV PREDICTION_COLUMN
Exit 0 when every prediction agrees; prints one line per check.
"""
import csv
import datetime
import json
import os
import re
import sys

import numpy as np

folder, scored, column = sys.argv[1:4]
schema = json.load(open(os.path.join(folder, "schema.json")))
assert schema["format"] == "weir-export-schema" and schema["format_version"] == 1, schema["format"]
assert schema["value_type"] == "float32"
rows = list(csv.DictReader(open(scored, newline="")))
expected = np.array([float(row[column]) for row in rows])


def value_of(feature, text):
    """A CSV field as the feature's type says (an empty field is a null)."""
    if text == "":
        return None
    kind = feature["type"]
    if kind in ("int", "float"):
        return float(text)
    if kind == "bool":
        return {"true": True, "false": False}[text.lower()]
    if kind == "date":
        return datetime.date.fromisoformat(text)
    if kind == "category":
        return text
    raise SystemExit(f"unknown feature type {kind}")


def encode(rows):
    """The model's input: one float32 column per schema column, filled by each feature's encoding."""
    names = [c["name"] for c in schema["columns"]]
    assert [c["index"] for c in schema["columns"]] == list(range(len(names)))
    x = np.zeros((len(rows), len(names)), dtype=np.float32)
    for r, row in enumerate(rows):
        for feature in schema["features"]:
            at = [names.index(name) for name in feature["columns"]]
            value = value_of(feature, row[feature["name"]])
            encoding = feature["encoding"]
            if value is None:
                assert feature["nullable"], feature["name"]
                if schema["missing"] == "nan":
                    x[r, at] = np.nan
                else:
                    assert schema["missing"] == "mean"
                    for c in at:
                        x[r, c] = np.float32(schema["columns"][c]["mean"])
            elif encoding == "number":
                x[r, at[0]] = value
            elif encoding == "zero_one":
                x[r, at[0]] = 1.0 if value else 0.0
            elif encoding == "days_since_epoch":
                x[r, at[0]] = (value - datetime.date(1970, 1, 1)).days
            elif encoding == "one_hot":
                assert len(at) == len(feature["levels"])
                for c, level in zip(at, feature["levels"]):
                    assert schema["columns"][c]["level"] == level
                    x[r, c] = 1.0 if value == level else 0.0
            else:
                raise SystemExit(f"unknown encoding {encoding}")
    return x, names


def report(what, predicted):
    predicted = np.asarray(predicted, dtype=np.float64)
    if predicted.shape != expected.shape:
        raise SystemExit(f"{what}: {predicted.shape[0]} predictions for {expected.shape[0]} rows")
    worst = float(np.max(np.abs(predicted - expected)))
    verdict = "all within 1e-6" if worst <= 1e-6 else "DIFFERENT"
    print(f"{what}: {schema['model']} version {schema['version']} ({schema['model_format']}), {len(expected)} rows, {verdict} (largest difference {worst:.3g})")
    return worst <= 1e-6


x, names = encode(rows)
nulls = sum(1 for row in rows for f in schema["features"] if row[f["name"]] == "")
print(f"rows with nulls: {'yes' if nulls else 'no'}")
ok = True
if schema["model_format"] == "xgboost-json":
    import xgboost

    booster = xgboost.Booster(model_file=os.path.join(folder, "model.json"))
    assert booster.feature_names == names, (booster.feature_names, names)
    assert booster.feature_types == [c["xgboost_type"] for c in schema["columns"]], booster.feature_types
    assert schema["task"] == "binary" and schema["prediction"]["class"] == schema["classes"][1]
    ok &= report("schema.json", booster.predict(xgboost.DMatrix(x, feature_names=names, missing=np.nan)))
else:
    assert schema["model_format"] == "weir-coefficients"
    model = json.load(open(os.path.join(folder, "model.json")))
    assert model["format"] == "weir-coefficients" and [c["name"] for c in model["columns"]] == names
    assert [c["mean"] for c in model["columns"]] == [c["mean"] for c in schema["columns"]]
    weights = np.array([c["coefficient"] for c in model["columns"]])
    score = x.astype(np.float64) @ weights + model["intercept"]
    assert model["link"] == "logistic" and schema["prediction"]["class"] == model["classes"][1]
    ok &= report("schema.json", 1 / (1 + np.exp(-score)))

# The README's own code, run as written in the folder.
readme = open(os.path.join(folder, "README.md")).read()
code = "\n".join(re.findall(r"```python\n(.*?)```", readme, re.S))
here = os.getcwd()
os.chdir(folder)
scope = {}
exec(compile(code, "README.md", "exec"), scope)
os.chdir(here)
python_rows = [{f["name"]: value_of(f, row[f["name"]]) for f in schema["features"]} for row in rows]
for r in python_rows:
    for f in schema["features"]:
        if f["type"] == "int" and r[f["name"]] is not None:
            r[f["name"]] = int(r[f["name"]])
ok &= report("README.md", scope["predict"](python_rows))
sys.exit(0 if ok else 1)
