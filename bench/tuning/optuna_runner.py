"""Runs Optuna's TPESampler (default settings) on the tuning bench's objectives.

Reads a JSON job from stdin: {"runs": [{"function", "seed", "parallel", "trials", "sampler"}]}.
sampler "tpe" is TPESampler(seed) with v4 defaults; "tpe-mv-cl" adds multivariate=True and
constant_liar=True (what Optuna 5.0 turns on by default).
Writes one JSON line per run: {"function", "seed", "parallel", "values": [...]} in trial order.
Parallel runs ask `parallel` trials, then tell them all (a synchronous batch).
"""
import json
import math
import sys
import warnings

import optuna

optuna.logging.set_verbosity(optuna.logging.WARNING)
# multivariate and constant_liar are flagged experimental in v4.
warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)

B = 5.1 / (4 * math.pi**2)
C = 5 / math.pi
T = 1 / (8 * math.pi)

FUNCTIONS = {
    "Branin": ((-5, 10), (0, 15), lambda x1, x2: (x2 - B * x1 * x1 + C * x1 - 6) ** 2 + 10 * (1 - T) * math.cos(x1) + 10),
    "Six-hump camel": (
        (-3, 3),
        (-2, 2),
        lambda x1, x2: (4 - 2.1 * x1**2 + x1**4 / 3) * x1**2 + x1 * x2 + (-4 + 4 * x2**2) * x2**2,
    ),
    "Rosenbrock-2": ((-5, 10), (-5, 10), lambda x1, x2: 100 * (x2 - x1 * x1) ** 2 + (1 - x1) ** 2),
}


def sampler_for(name, seed):
    if name == "tpe-mv-cl":
        return optuna.samplers.TPESampler(seed=seed, multivariate=True, constant_liar=True)
    return optuna.samplers.TPESampler(seed=seed)


def run(function, seed, parallel, trials, sampler):
    r1, r2, f = FUNCTIONS[function]
    study = optuna.create_study(direction="minimize", sampler=sampler_for(sampler, seed))
    values = []
    while len(values) < trials:
        batch = [study.ask() for _ in range(min(parallel, trials - len(values)))]
        points = [(t.suggest_float("x1", *r1), t.suggest_float("x2", *r2)) for t in batch]
        for t, (x1, x2) in zip(batch, points):
            v = f(x1, x2)
            study.tell(t, v)
            values.append(v)
    return values


def main():
    job = json.load(sys.stdin)
    for r in job["runs"]:
        values = run(r["function"], r["seed"], r["parallel"], r["trials"], r.get("sampler", "tpe"))
        print(json.dumps({**r, "values": values, "version": optuna.__version__}), flush=True)


if __name__ == "__main__":
    main()
