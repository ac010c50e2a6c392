"""The web processes hold thousands of sockets and never run the pipeline: importing
the ASGI application must not load the models' libraries (Presidio, spaCy, torch,
ONNX Runtime, transformers), which cost ~450 MiB per process."""

from __future__ import annotations

import json
import os
import subprocess
import sys

HEAVY = ["torch", "spacy", "presidio_analyzer", "onnxruntime", "transformers"]


def test_importing_the_asgi_application_loads_no_model_library() -> None:
    probe = (
        "import json, sys, django\n"
        "import config.asgi\n"
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "WARM_UP": "false"}
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=120, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []
