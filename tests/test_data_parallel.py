"""Training on several devices (issue 18): keras.distribution.DataParallel on JAX.

Two virtual CPU devices (``XLA_FLAGS=--xla_force_host_platform_device_count=2``,
set before JAX starts, hence a subprocess, which also runs the command line's
``--data-parallel``). The same model, seed and batches
trained on one device and data-parallel on two give the same losses: each
batch is split in halves, the gradients are averaged, and only the order of
the floating-point sums differs. Tolerance: 1e-5 relative on every epoch's
loss, 1e-4 absolute on the trained model's scores.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from course_lib.datasets import make_shop
from course_lib.prep.engines import prepare

SCRIPT = textwrap.dedent("""
    import json, sys
    import course_lib  # noqa: F401  (chooses the Keras backend before Keras starts)
    import jax, numpy as np
    from course_lib.models.session_rnn import SessionRNN
    from course_lib.models.streaming import WindowBatches, data_parallel
    from course_lib.prep.prepared import PreparedData

    data = PreparedData(sys.argv[1])
    X, _ = data.test_prefixes()

    def train(distribution):
        model = SessionRNN(cell="gru", hidden=16, max_len=data.max_len, epochs=2, batch_size=64,
                           learning_rate=1e-2, seed=0)
        batches = WindowBatches(data, 64, seed=0)
        if distribution is None:
            model.fit_batches(batches, data.n_items, progress=False)
        else:
            with distribution.scope():
                model.fit_batches(batches, data.n_items, progress=False)
        weight = model.train_network.weights[0].value
        return {"loss": model.history.history["loss"], "scores": model.score(X[:128])[:, 1:].tolist(),
                "weight_devices": len(weight.sharding.device_set)}

    result = {"devices": len(jax.devices()), "one": train(None), "two": train(data_parallel())}

    # the command line on another prepared folder, in this same two-device process (last: it sets
    # the distribution for the whole process)
    sys.path.insert(0, sys.argv[3])   # tests/, for cli_runner
    from cli_runner import course_lib_command

    def command(*args):
        run = course_lib_command("next-item", "--prepared", sys.argv[2], "--models", "gru4rec", "--epochs", "1",
                                 "--quiet", *args)
        return {"code": run.returncode, "out": run.stdout, "err": run.stderr}

    result["odd"] = command("--data-parallel", "--batch-size", "255", "--out", sys.argv[4] + "/odd")
    result["cli"] = command("--data-parallel", "--out", sys.argv[4] + "/res")
    print(json.dumps(result))
""")


def prepared_shop(events: int, seed: int, folder, max_len: int):
    """The synthetic shop as a user's Parquet file, prepared into ``folder``."""
    events = make_shop(events, seed=seed).events
    events["event_type"] = events["event_type"].astype(str)
    events.drop(columns=["category"]).to_parquet(folder / "shop.parquet", index=False)
    prepare(folder / "shop.parquet", folder / "prep", test_days=14, max_len=max_len)
    return folder / "prep"


@pytest.fixture(scope="module")
def two_devices(tmp_path_factory) -> dict:
    """One fresh Python with two virtual devices: the library's training on one device and on
    both, then two ``course-lib next-item --data-parallel`` commands (one Python, not three:
    each start imports Keras and compiles again)."""
    tmp = tmp_path_factory.mktemp("data-parallel")
    for name in ("a", "b", "out"):
        (tmp / name).mkdir()
    library = prepared_shop(20_000, 0, tmp / "a", max_len=8)
    command_line = prepared_shop(8_000, 1, tmp / "b", max_len=6)
    env = {**os.environ, "XLA_FLAGS": "--xla_force_host_platform_device_count=2", "KERAS_BACKEND": "jax"}
    result = subprocess.run([sys.executable, "-c", SCRIPT, str(library), str(command_line),
                             str(Path(__file__).parent), str(tmp / "out")], env=env,
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    return {**json.loads(result.stdout.strip().splitlines()[-1]), "out": tmp / "out"}


@pytest.mark.slow
def test_data_parallel_on_two_devices_matches_one_device(two_devices):
    out = two_devices
    assert out["devices"] == 2
    one, two = out["one"], out["two"]
    assert one["weight_devices"] == 1 and two["weight_devices"] == 2  # replicated on both devices
    assert len(one["loss"]) == 2 and one["loss"][1] < one["loss"][0]
    np.testing.assert_allclose(two["loss"], one["loss"], rtol=1e-5)
    np.testing.assert_allclose(np.array(two["scores"]), np.array(one["scores"]), atol=1e-4)


@pytest.mark.slow
def test_next_item_prepared_data_parallel_from_the_command_line(two_devices):
    odd, result = two_devices["odd"], two_devices["cli"]
    assert odd["code"] == 2
    assert "--batch-size 255 must be a multiple of the 2 devices of --data-parallel" in odd["err"]
    assert not (two_devices["out"] / "odd").exists()
    assert result["code"] == 0, result["err"][-3000:]
    assert "data parallel over 2 device(s)" in result["out"]
    board = (two_devices["out"] / "res" / "leaderboard.csv").read_text()
    assert board.startswith("model,HR@10") and "gru4rec" in board
