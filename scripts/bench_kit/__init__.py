"""`make bench`: the generated client's overhead, as ratios against baselines measured in the same run.

One module per section, run in this order by runner.py (scripts/bench.py is its entry point):
  model_cost.py   3. parse a large ChatCompletion / build + serialise a 1,000-message request,
                     without I/O, vs json.loads / json.dumps and vs the OpenAI SDK's own types;
  parse_cost.py   3. (issue #21) the large reply, a small reply, a chunk, a stream per chunk and
                     the large parse's peak memory, vs msgspec (msgspec_types.py: Structs and
                     attrs twins of the spec's schemas);
  generate_time.py 5. `scripts/generate.py` wall time;
  import_time.py  6. import time (CPU, fresh interpreters) vs the OpenAI SDK's;
  per_call.py     1. per-call latency of sequential calls: generated `sync` vs raw httpx vs the SDK;
  async_calls.py  2. async throughput of 200 concurrent calls: generated `asyncio` vs AsyncOpenAI
                     vs raw httpx;
  streaming.py    4. streaming: chunks/s vs the SDK and raw httpx-sse, client CPU per chunk vs the
                     client as it was at a baseline commit (baseline.py, stream_worker.py), peak
                     memory over 10,000 vs 100,000 chunks;
  batch_jobs.py   7. a 2,000-line batch (aimlapi_gemini.batch) vs asyncio.gather + semaphore over
                     raw httpx, both writing every output line as it comes;
  ray_jobs.py     7. the same job through Ray Data (aimlapi_gemini.integrations.ray, two actors,
                     Parquet out) vs the single-process batch;
  ray_chaos.py    7. both jobs against chaos servers within one rpm: a limit that binds both
                     (is one key's limit used as fully across actors?) and one that binds neither
                     (dispatch overhead); recorded_server.py records the server's arrivals.
Shared: measure.py (Row, interleaved rounds), payloads.py (the bodies every client sends),
report.py (table, reports/bench.json and .png), profiling.py (`make profile`).
"""
