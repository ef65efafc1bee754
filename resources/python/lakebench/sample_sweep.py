"""The sample workspace's sweep: ridge regression and random forests on generated taxi-fare data, over alpha,
depth and two seeds. Prints one JSON line per run (params, and per-step validation and training errors) for
Lakebench to record; it needs scikit-learn, never the network."""

import json
import sys
import time

import numpy as np
from sklearn.ensemble import RandomForestRegressor
from sklearn.linear_model import Ridge
from sklearn.metrics import mean_squared_error, r2_score
from sklearn.model_selection import train_test_split

STEPS = 40


def fares(seed, n=2000):
    rng = np.random.default_rng(seed)
    distance = rng.gamma(2.0, 1.6, n)
    minutes = distance * rng.uniform(2.5, 4.5, n) + rng.normal(0, 2, n).clip(-3)
    hour = rng.integers(0, 24, n)
    passengers = rng.integers(1, 5, n)
    airport = (rng.random(n) < 0.08).astype(float)
    rush = ((hour >= 7) & (hour <= 9) | (hour >= 16) & (hour <= 19)).astype(float)
    fare = 3 + 2.1 * distance + 0.35 * minutes + 12 * airport + 1.5 * rush + 0.1 * np.sin(distance) * minutes
    fare += rng.normal(0, 2.2, n)
    X = np.column_stack([distance, minutes, hour, passengers, airport, rush])
    return X, fare


def rmse(y, p):
    return float(mean_squared_error(y, p) ** 0.5)


def run(spec):
    X, y = fares(spec["seed"])
    X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=0.25, random_state=spec["seed"])
    points = []
    started = time.time()
    if spec["model"] == "ridge":
        # A learning curve: the model refit on a growing share of the training rows.
        for step in range(STEPS):
            rows = max(20, int(len(X_train) * (step + 1) / STEPS))
            model = Ridge(alpha=spec["alpha"]).fit(X_train[:rows], y_train[:rows])
            points.append((step, rmse(y_train[:rows], model.predict(X_train[:rows])), rmse(y_val, model.predict(X_val)),
                           float(r2_score(y_val, model.predict(X_val)))))
    else:
        # Trees added one batch at a time (warm start): the forest's error as it grows.
        model = RandomForestRegressor(n_estimators=0, max_depth=spec["max_depth"], random_state=spec["seed"],
                                      warm_start=True)
        for step in range(STEPS):
            model.n_estimators = step + 1
            model.fit(X_train, y_train)
            points.append((step, rmse(y_train, model.predict(X_train)), rmse(y_val, model.predict(X_val)),
                           float(r2_score(y_val, model.predict(X_val)))))
    return {"spec": spec, "points": points, "fit_seconds": time.time() - started}


def main():
    specs = json.loads(sys.argv[1])
    for spec in specs:
        print(json.dumps(run(spec)), flush=True)


if __name__ == "__main__":
    main()
