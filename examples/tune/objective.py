"""The objective of Kinetic's example tuning study (Python standard library only).

Fits y = 2x + 1 by gradient descent with momentum for a few epochs, with the
learning rate and momentum the study chose (`--lr=0.03 --momentum=0.5`), and
prints one metric line per epoch (`epoch=3 loss=0.0421`): the study reads the
`loss=` lines from the trial's log and keeps the best (lowest) one.
"""

import argparse
import math
import random
import sys
import time


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lr", type=float, required=True)
    parser.add_argument("--momentum", type=float, required=True)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--sleep", type=float, default=0.1, help="seconds per epoch, so progress is visible")
    args = parser.parse_args()

    rng = random.Random(7)
    data = [(x, 2 * x + 1 + rng.gauss(0, 0.05)) for x in (rng.random() for _ in range(64))]
    w = b = vw = vb = 0.0
    for epoch in range(1, args.epochs + 1):
        for _ in range(10):
            gw = sum(2 * (w * x + b - y) * x for x, y in data) / len(data)
            gb = sum(2 * (w * x + b - y) for x, y in data) / len(data)
            vw = args.momentum * vw - args.lr * gw
            vb = args.momentum * vb - args.lr * gb
            w, b = w + vw, b + vb
        loss = sum((w * x + b - y) ** 2 for x, y in data) / len(data)
        if not math.isfinite(loss):
            print(f"epoch={epoch} diverged", file=sys.stderr)
            return 1
        print(f"epoch={epoch} loss={loss:.6g}", flush=True)
        time.sleep(args.sleep)
    return 0


if __name__ == "__main__":
    sys.exit(main())
