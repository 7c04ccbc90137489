"""Training on several devices (issue 18): keras.distribution.DataParallel on JAX.

Two virtual CPU devices (``XLA_FLAGS=--xla_force_host_platform_device_count=2``,
set before JAX starts, hence a subprocess). The same model, seed and batches
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

    print(json.dumps({"devices": len(jax.devices()), "one": train(None), "two": train(data_parallel())}))
""")


@pytest.mark.slow
def test_data_parallel_on_two_devices_matches_one_device(tmp_path):
    events = make_shop(20_000, seed=0).events
    events["event_type"] = events["event_type"].astype(str)
    events = events.drop(columns=["category"])
    events.to_parquet(tmp_path / "shop.parquet", index=False)
    prepare(tmp_path / "shop.parquet", tmp_path / "prep", test_days=14, max_len=8)
    env = {**os.environ, "XLA_FLAGS": "--xla_force_host_platform_device_count=2",
           "KERAS_BACKEND": "jax"}
    result = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path / "prep")], env=env,
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["devices"] == 2
    one, two = out["one"], out["two"]
    assert one["weight_devices"] == 1 and two["weight_devices"] == 2  # replicated on both devices
    assert len(one["loss"]) == 2 and one["loss"][1] < one["loss"][0]
    np.testing.assert_allclose(two["loss"], one["loss"], rtol=1e-5)
    np.testing.assert_allclose(np.array(two["scores"]), np.array(one["scores"]), atol=1e-4)


@pytest.mark.slow
def test_next_item_prepared_data_parallel_from_the_command_line(tmp_path):
    events = make_shop(8_000, seed=1).events
    events["event_type"] = events["event_type"].astype(str)
    events.drop(columns=["category"]).to_parquet(tmp_path / "shop.parquet", index=False)
    prepare(tmp_path / "shop.parquet", tmp_path / "prep", test_days=14, max_len=6)
    env = {**os.environ, "XLA_FLAGS": "--xla_force_host_platform_device_count=2"}
    run = lambda *a: subprocess.run([sys.executable, "-m", "course_lib", "next-item", "--prepared",  # noqa: E731
                                     str(tmp_path / "prep"), "--models", "gru4rec", "--epochs", "1",
                                     "--quiet", *a], env=env, capture_output=True, text=True, timeout=900)
    odd = run("--data-parallel", "--batch-size", "255", "--out", str(tmp_path / "odd"))
    assert odd.returncode == 2
    assert "--batch-size 255 must be a multiple of the 2 devices of --data-parallel" in odd.stderr
    result = run("--data-parallel", "--out", str(tmp_path / "res"))
    assert result.returncode == 0, result.stderr[-3000:]
    assert "data parallel over 2 device(s)" in result.stdout
    board = (tmp_path / "res" / "leaderboard.csv").read_text()
    assert board.startswith("model,HR@10") and "gru4rec" in board
