"""scikit-uplift and causalml against the course's own uplift code (lesson 09's choice).

    python scripts/benchmark_uplift_libraries.py --venv /tmp/uplift-libs --install
    python scripts/benchmark_uplift_libraries.py --venv /tmp/uplift-libs     # reuse it

``--install`` creates a virtual environment outside the course's own, puts
the course's numpy, pandas, scikit-learn and scipy versions in it, then
installs scikit-uplift, then causalml, recording whether pip succeeds, how
long it takes and what each adds on disk. (It needs the package index: a
maintainer's benchmark, never part of a lesson or the tests.) The
comparison then runs inside that environment, with this checkout on
``PYTHONPATH``, on lesson 09's campaign (``make_shop(400_000, seed=0,
n_days=182, n_promotions=8)`` and ``make_campaign``): the same base
classifiers in every library, fit and predict time (median of 3), the
largest difference from our predictions, Qini and AUUC by our code and by
the library's, and the correlation with the true uplift. Results go to
``benchmarks/uplift_libraries.md`` and ``.csv``.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks"
PINNED = ("numpy", "pandas", "scikit-learn", "scipy")


def _site_size_mb(python: Path) -> float:
    site = subprocess.check_output([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                   text=True).strip()
    total = sum(f.stat().st_size for f in Path(site).rglob("*") if f.is_file())
    return total / 1e6


def install(venv: Path) -> list[dict]:
    """Create ``venv`` and install the pinned base, then each library; what each step adds."""
    from importlib.metadata import version

    subprocess.check_call([sys.executable, "-m", "venv", str(venv)])
    python = venv / "bin" / "python"
    steps = [("course's numpy/pandas/scikit-learn/scipy", [f"{p}=={version(p)}" for p in PINNED]),
             ("scikit-uplift", ["scikit-uplift"]), ("causalml", ["causalml"])]
    rows, before = [], _site_size_mb(python)
    for label, packages in steps:
        start = time.perf_counter()
        done = subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                               *packages], capture_output=True, text=True)
        after = _site_size_mb(python)
        rows.append({"step": label, "pip ok": done.returncode == 0,
                     "seconds": round(time.perf_counter() - start, 1), "adds MB": round(after - before, 1)})
        before = after
    return rows


def _median_time(fn, repeats: int = 3):
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return result, sorted(times)[len(times) // 2]


def _import_seconds(module: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", f"import {module}"], check=True, capture_output=True)
    return time.perf_counter() - start


def compare() -> dict:
    """Runs inside the libraries' environment: every measurement as one JSON-able dict."""
    import warnings

    import numpy as np

    from course_lib.datasets.campaign import make_campaign
    from course_lib.datasets.synthetic import make_shop
    from course_lib.evaluate.uplift import auuc, correlation_with_truth, qini_coefficient
    from course_lib.models.uplift import ClassTransformationUplift, TwoModelUplift, base_classifier
    from course_lib.prep.uplift import campaign_assignments, campaign_data

    warnings.filterwarnings("ignore")
    campaign = make_campaign(make_shop(400_000, seed=0, n_days=182, n_promotions=8))
    train, test = [campaign_data(campaign.events, a, 14) for a in campaign_assignments(campaign.events)]
    truth = campaign.customers_of("test").set_index("user_id").loc[test.user_id, "true_uplift"].to_numpy()
    X, Xt = train.features.to_numpy(float), test.features.to_numpy(float)
    y, t = train.outcome, train.treatment

    runs = {}
    ours_t, s = _median_time(lambda: TwoModelUplift("logistic").fit(train).predict(test))
    runs["course_lib two models (logistic)"] = (ours_t, s, None)
    ours_ct, s = _median_time(lambda: ClassTransformationUplift("logistic").fit(train).predict(test))
    runs["course_lib class transformation (logistic)"] = (ours_ct, s, None)
    pred, s = _median_time(lambda: TwoModelUplift("boosting").fit(train).predict(test))
    runs["course_lib two models (boosting)"] = (pred, s, None)

    import sklift.metrics as sk_metrics
    from sklift.models import ClassTransformation, TwoModels

    def sk_two():
        m = TwoModels(estimator_trmnt=base_classifier("logistic"), estimator_ctrl=base_classifier("logistic"),
                      method="vanilla")
        return m.fit(X, y, t).predict(Xt)
    pred, s = _median_time(sk_two)
    runs["scikit-uplift TwoModels (logistic)"] = (pred, s, ours_t)
    pred, s = _median_time(lambda: ClassTransformation(estimator=base_classifier("logistic")).fit(X, y, t).predict(Xt))
    runs["scikit-uplift ClassTransformation (logistic)"] = (pred, s, ours_ct)

    from causalml.inference.meta import BaseTClassifier
    from causalml.inference.tree import UpliftRandomForestClassifier

    pred, s = _median_time(lambda: BaseTClassifier(learner=base_classifier("logistic")).fit(X, t, y).predict(Xt).ravel())
    runs["causalml BaseTClassifier (logistic)"] = (pred, s, ours_t)

    def forest():
        m = UpliftRandomForestClassifier(control_name="0", n_estimators=100, max_depth=5, min_samples_leaf=50,
                                         random_state=0)
        m.fit(X, np.where(t == 1, "1", "0"), y)
        return m.predict(Xt).ravel()
    pred, s = _median_time(forest, repeats=1)
    runs["causalml UpliftRandomForest (100 trees)"] = (pred, s, None)

    rows = []
    for name, (pred, seconds, reference) in runs.items():
        rows.append({
            "model": name, "fit+predict s": round(seconds, 3),
            "max |diff| from ours": None if reference is None else float(np.abs(pred - reference).max()),
            "Qini (ours)": qini_coefficient(test.outcome, test.treatment, pred),
            "Qini (scikit-uplift)": float(sk_metrics.qini_auc_score(test.outcome, pred, test.treatment)),
            "AUUC (ours)": auuc(test.outcome, test.treatment, pred),
            "AUUC (scikit-uplift)": float(sk_metrics.uplift_auc_score(test.outcome, pred, test.treatment)),
            "corr. with true uplift": correlation_with_truth(pred, truth)})
    imports = {m: round(_import_seconds(m), 2) for m in ("course_lib.models.uplift", "sklift.models",
                                                          "causalml.inference.meta")}
    return {"rows": rows, "imports": imports, "test": test.describe(), "train": train.describe()}


def write(result: dict, installs: list[dict] | None) -> None:
    import pandas as pd

    from course_lib.show.model_card import markdown_table

    table = pd.DataFrame(result["rows"])
    OUT.mkdir(exist_ok=True)
    table.to_csv(OUT / "uplift_libraries.csv", index=False, float_format="%.4f")
    lines = ["# Uplift libraries against the course's own code", "",
             "Written by `scripts/benchmark_uplift_libraries.py`. Lesson 09's campaign: training "
             f"{result['train']}; test {result['test']}.", "",
             markdown_table(table, digits=4),
             "", "Import time of a fresh interpreter (s): "
             + ", ".join(f"`{k}` {v}" for k, v in result["imports"].items()) + "."]
    if installs:
        lines += ["", "Installing into a fresh environment that holds the course's numpy, pandas, "
                  "scikit-learn and scipy:", ""]
        lines += [f"- {r['step']}: pip {'succeeded' if r['pip ok'] else 'FAILED'} in {r['seconds']} s, "
                  f"adds {r['adds MB']} MB" for r in installs]
    (OUT / "uplift_libraries.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--venv", type=Path, default=Path("/tmp/uplift-libs"))
    parser.add_argument("--install", action="store_true", help="create the environment first")
    parser.add_argument("--compare", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.compare:
        print(json.dumps(compare()))
        return 0
    installs = install(args.venv) if args.install else None
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([str(args.venv / "bin" / "python"), __file__, "--compare"], env=env,
                         capture_output=True, text=True, check=True)
    write(json.loads(out.stdout.strip().splitlines()[-1]), installs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
