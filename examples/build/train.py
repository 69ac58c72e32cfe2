"""A tiny training run in the standard library only: fits y = 2x + 1 by gradient descent.

Built into an image by a Git push (see README.md); the job in kinetic.jobs.yaml runs it.
"""
import argparse
import json
import os
import random


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=200)
    args = parser.parse_args()
    random.seed(0)
    data = [(x, 2 * x + 1) for x in (random.uniform(-1, 1) for _ in range(64))]
    w, b, lr = 0.0, 0.0, 0.1
    for epoch in range(1, args.epochs + 1):
        gw = sum((w * x + b - y) * x for x, y in data) / len(data)
        gb = sum((w * x + b - y) for x, y in data) / len(data)
        w, b = w - lr * gw, b - lr * gb
        if epoch % 50 == 0:
            loss = sum((w * x + b - y) ** 2 for x, y in data) / len(data)
            print(f"epoch {epoch}: loss {loss:.6f}", flush=True)
    commit = os.environ.get("GIT_COMMIT", "?")[:12]
    print(f"trained at commit {commit}: w={w:.3f} b={b:.3f}", flush=True)
    out = os.environ.get("KINETIC_OUTPUT_DIR")
    if out:
        with open(os.path.join(out, "model.json"), "w") as f:
            json.dump({"w": w, "b": b, "commit": os.environ.get("GIT_COMMIT")}, f)


if __name__ == "__main__":
    main()
