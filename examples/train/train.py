"""A tiny training loop for Kinetic's bundled example (Python standard library only).

It fits y = 2x + 1 with gradient descent, prints one metric line per epoch
(`epoch=3 loss=0.4213`), and writes the fitted model to $KINETIC_OUTPUT_DIR.
Multi-worker jobs write one file per worker (KINETIC_WORKER_INDEX).
"""

import argparse
import json
import os
import random
import sys
import time


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--sleep", type=float, default=0.3, help="seconds per epoch, so progress is visible")
    args = parser.parse_args()

    out_dir = os.environ.get("KINETIC_OUTPUT_DIR")
    if not out_dir:
        print("KINETIC_OUTPUT_DIR is not set; Kinetic sets it for every job", file=sys.stderr)
        return 2
    worker = int(os.environ.get("KINETIC_WORKER_INDEX", "0") or 0)
    job_id = os.environ.get("KINETIC_JOB_ID", "local")

    rng = random.Random(42)
    data = [(x, 2.0 * x + 1.0 + rng.gauss(0, 0.05)) for x in (i / 20 for i in range(40))]
    w, b = 0.0, 0.0
    print(f"job={job_id} worker={worker} samples={len(data)} epochs={args.epochs}", flush=True)
    loss = float("nan")
    for epoch in range(1, args.epochs + 1):
        for _ in range(50):
            gw = sum(2 * (w * x + b - y) * x for x, y in data) / len(data)
            gb = sum(2 * (w * x + b - y) for x, y in data) / len(data)
            w, b = w - args.lr * gw, b - args.lr * gb
        loss = sum((w * x + b - y) ** 2 for x, y in data) / len(data)
        print(f"epoch={epoch} loss={loss:.4f}", flush=True)
        time.sleep(args.sleep)

    os.makedirs(out_dir, exist_ok=True)
    name = "model.json" if worker == 0 else f"model-worker-{worker}.json"
    path = os.path.join(out_dir, name)
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"w": round(w, 4), "b": round(b, 4), "loss": round(loss, 6), "epochs": args.epochs}, f)
        f.write("\n")
    print(f"wrote {path}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
