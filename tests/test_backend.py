"""course_lib/backend.py: what ``import course_lib`` sets before Keras loads (every lesson relies on it)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PROBE = """
import json, os
import course_lib, jax, jax.numpy as jnp
jax.jit(lambda x: jnp.tanh(x) * 2)(jnp.ones(3)).block_until_ready()
print(json.dumps({"backend": os.environ["KERAS_BACKEND"], "threads": os.environ["OMP_NUM_THREADS"],
                  "cache": jax.config.jax_compilation_cache_dir, "xla": os.environ["XLA_FLAGS"]}))
"""


def _probe(tmp_path, **env):
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("JAX_", "COURSE_", "KERAS_BACKEND", "OMP_", "OPENBLAS_", "MKL_", "XLA_"))}
    clean.update(XDG_CACHE_HOME=str(tmp_path / "cache"), PYTHONPATH=str(ROOT), **env)
    out = subprocess.run([sys.executable, "-c", PROBE], env=clean, capture_output=True, text=True,
                         timeout=120, check=True, cwd=tmp_path)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_import_chooses_jax_one_blas_thread_and_a_compilation_cache(tmp_path):
    seen = _probe(tmp_path)
    cache = tmp_path / "cache" / "course-lib" / "jax"
    assert seen == {"backend": "jax", "threads": "1", "cache": str(cache),
                    "xla": "--xla_backend_optimization_level=1"}
    assert any(cache.iterdir()), "the compiled program was not written to the cache"


def test_the_cache_can_be_turned_off_or_moved(tmp_path):
    assert _probe(tmp_path, COURSE_COMPILE_CACHE="0")["cache"] is None
    assert not (tmp_path / "cache").exists()
    elsewhere = tmp_path / "elsewhere"
    assert _probe(tmp_path, JAX_COMPILATION_CACHE_DIR=str(elsewhere))["cache"] == str(elsewhere)
    assert any(elsewhere.iterdir())


def test_xla_compiles_at_level_1_unless_the_user_chose_a_level(tmp_path):
    devices = "--xla_force_host_platform_device_count=2"
    assert _probe(tmp_path, XLA_FLAGS=devices)["xla"] == f"{devices} --xla_backend_optimization_level=1"
    own = f"--xla_backend_optimization_level=3 {devices}"
    assert _probe(tmp_path, XLA_FLAGS=own)["xla"] == own
