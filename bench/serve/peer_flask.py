#!/usr/bin/env python3
"""The Python peer of `weir serve`: the same XGBoost model (the version `weir export` wrote:
model.json and schema.json) served by python3-flask with python3-xgboost, the common way teams
serve one. It takes the same requests ({"rows": [...]} in the source's columns), computes the
same features as serve.mlflow's pipeline (where age >= 18, fill visits = 0, spend_ratio,
senior, one column per level of plan) and answers {"predictions": [...]}.

Usage: peer_flask.py EXPORT_DIR PORT"""
import json
import logging
import sys

import numpy as np
import xgboost as xgb
from flask import Flask, jsonify, request

folder, port = sys.argv[1], int(sys.argv[2])
booster = xgb.Booster(model_file=f"{folder}/model.json")
booster.set_param({"nthread": 1})
schema = json.load(open(f"{folder}/schema.json"))
names = booster.feature_names
app = Flask(__name__)
logging.getLogger("werkzeug").setLevel(logging.ERROR)


def features(row):
    age, income, visits, plan = row["age"], row.get("income"), row.get("visits"), row["plan"]
    if age < 18:
        return None
    visits = 0 if visits is None else visits
    spend = np.nan if income is None else visits / (income + 1.0)
    values = {"age": age, "income": np.nan if income is None else income, "visits": visits,
              "spend_ratio": spend, "senior": 1.0 if age >= 60 else 0.0}
    for level in ("basic", "plus", "pro"):
        values[f"plan={level}"] = 1.0 if plan == level else 0.0
    return [values[n] for n in names]


@app.post("/v1/models/<name>/predict")
def predict(name):
    rows = request.get_json()["rows"]
    encoded = [features(r) for r in rows]
    kept = [e for e in encoded if e is not None]
    out = []
    if kept:
        matrix = xgb.DMatrix(np.array(kept, dtype=np.float32), feature_names=names, missing=np.nan)
        scores = iter(booster.predict(matrix).tolist())
        out = [None if e is None else next(scores) for e in encoded]
    else:
        out = [None] * len(encoded)
    return jsonify({"model": name, "predictions": out})


app.run(host="127.0.0.1", port=port, threaded=True)
