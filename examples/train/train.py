"""A tiny training loop for Kinetic's bundled example (Python standard library only).

It fits y = 2x + 1 with gradient descent, prints one metric line per epoch
(`epoch=3 loss=0.4213`), and writes the fitted model to $KINETIC_OUTPUT_DIR.
Multi-worker jobs write one file per worker (KINETIC_WORKER_INDEX).

It checkpoints after every epoch into $KINETIC_CHECKPOINT_DIR (the same folder
for every attempt of the job) and, when a checkpoint is there, resumes from
the epoch after it: a job preempted at epoch 3 goes on with epoch 4 as its
next attempt ($KINETIC_ATTEMPT) instead of starting over.
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
    attempt = os.environ.get("KINETIC_ATTEMPT", "1")
    print(f"job={job_id} worker={worker} samples={len(data)} epochs={args.epochs} attempt={attempt}", flush=True)
    ckpt = checkpoint_path(worker)
    start = 1
    state = load_checkpoint(ckpt)
    if state:
        w, b, start = state["w"], state["b"], state["epoch"] + 1
        print(f"resumed from epoch={state['epoch']} (checkpoint {ckpt})", flush=True)
    loss = state["loss"] if state else float("nan")
    for epoch in range(start, args.epochs + 1):
        for _ in range(50):
            gw = sum(2 * (w * x + b - y) * x for x, y in data) / len(data)
            gb = sum(2 * (w * x + b - y) for x, y in data) / len(data)
            w, b = w - args.lr * gw, b - args.lr * gb
        loss = sum((w * x + b - y) ** 2 for x, y in data) / len(data)
        print(f"epoch={epoch} loss={loss:.4f}", flush=True)
        save_checkpoint(ckpt, {"epoch": epoch, "w": w, "b": b, "loss": loss})
        time.sleep(args.sleep)

    os.makedirs(out_dir, exist_ok=True)
    name = "model.json" if worker == 0 else f"model-worker-{worker}.json"
    path = os.path.join(out_dir, name)
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"w": round(w, 4), "b": round(b, 4), "loss": round(loss, 6), "epochs": args.epochs}, f)
        f.write("\n")
    print(f"wrote {path}", flush=True)
    return 0


def checkpoint_path(worker: int):
    """This worker's checkpoint file, or None where the dir is not a local folder (a gs:// URI without a mount)."""
    directory = os.environ.get("KINETIC_CHECKPOINT_DIR", "")
    if not directory or "://" in directory:
        return None
    return os.path.join(directory, "checkpoint.json" if worker == 0 else f"checkpoint-worker-{worker}.json")


def load_checkpoint(path):
    if not path or not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def save_checkpoint(path, state) -> None:
    """Written to a temp file and renamed, so a preemption mid-write never leaves a torn checkpoint."""
    if not path:
        return
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(state, f)
    os.replace(tmp, path)


if __name__ == "__main__":
    sys.exit(main())
