"""Rebuild the pretrained behaviour models that lesson 08 loads from datasets/behaviour/.

    python scripts/build_behaviour_models.py                  # both, at the shipped size (minutes)
    python scripts/build_behaviour_models.py --only shop --other-events 20000 --epochs 1 --out /tmp/b

``shop``: the case study's synthetic shop (its own customers and about 1.4M
events of other customers of the same shop, every action before the
validation window: about 1M actions); ``retail``: Online Retail's customers'
lines before the churn test cut-off (``course_lib.tasks.behaviour``). Each
goes to ``OUT/NAME/`` (a new folder, written completely or not at all:
``model.keras`` and ``behaviour.json`` with the corpus, the training time and
FLOPs). Seeds are fixed; the weights can differ in the last digits between
machines (BLAS, thread count), so the lesson's numbers can too.
"""
from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from course_lib.tasks.behaviour import NAMES, SHIPPED, pretrain_retail, pretrain_shop  # noqa: E402
from course_lib.tasks.settings import BehaviourSettings  # noqa: E402


def main(argv=None) -> int:
    defaults = BehaviourSettings()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(SHIPPED), help="folder of the models (default datasets/behaviour)")
    parser.add_argument("--only", choices=NAMES, help="build one model only")
    parser.add_argument("--other-events", type=int, default=defaults.other_events,
                        help="events of other customers for the shop model")
    parser.add_argument("--epochs", type=int, default=defaults.epochs)
    parser.add_argument("--dim", type=int, default=defaults.dim)
    args = parser.parse_args(argv)
    settings = replace(defaults, other_events=args.other_events, epochs=args.epochs, dim=args.dim)
    for name in [args.only] if args.only else NAMES:
        start = time.perf_counter()
        if name == "shop":
            model = pretrain_shop(settings, progress=True)
        else:
            from course_lib.datasets import online_retail_events

            model = pretrain_retail(online_retail_events(), settings, progress=True)
        folder = model.save(Path(args.out) / name)
        meta = model.meta
        print(f"{name}: {meta['actions']:,} actions of {meta['users']:,} users, {model.params:,} parameters, "
              f"{meta['train_seconds']:.0f} s ({meta['train_flops']:.2e} FLOPs), final loss "
              f"{model.history.history['loss'][-1]:.3f}, {time.perf_counter() - start:.0f} s in all "
              f"-> {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
