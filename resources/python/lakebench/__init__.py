"""Log runs to Lakebench's run tracker from Python.

    import lakebench as lb

    with lb.start_run(run_name="ridge", tags={"team": "ml"}):
        lb.log_params({"alpha": 0.1})
        for step in range(100):
            lb.log_metric("loss", 1 / (step + 1), step=step)
        lb.log_artifact("report.html")

    lb.autolog()  # scikit-learn: every fit() records params, training metrics and the model

Standard library only. It speaks MLflow's REST API to the Lakebench server found through MLFLOW_TRACKING_URI and
MLFLOW_TRACKING_TOKEN (set for notebook cells and pipeline tasks that Lakebench starts), or through
.lakebench/server.json when run inside a workspace. The experiment comes from MLFLOW_EXPERIMENT_NAME (or
MLFLOW_EXPERIMENT_ID), else "Default".
"""

import atexit
import getpass
import hashlib
import json
import math
import os
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

__all__ = [
    "TrackingError",
    "Run",
    "start_run",
    "active_run",
    "end_run",
    "log_param",
    "log_params",
    "log_metric",
    "log_metrics",
    "set_tag",
    "set_tags",
    "log_artifact",
    "log_text",
    "flush",
    "set_experiment",
    "autolog",
]

# MLflow's log-batch limits.
_MAX_METRICS = 1000
_MAX_PARAMS = 100
_MAX_TAGS = 100
_FLUSH_SECONDS = 2.0


class TrackingError(Exception):
    """An error answered by the tracking server: MLflow's error code and message."""

    def __init__(self, error_code, message, status=None):
        super().__init__("%s: %s" % (error_code, message))
        self.error_code = error_code
        self.message = message
        self.status = status


def _find_server_json(start):
    folder = os.path.abspath(start)
    while True:
        candidate = os.path.join(folder, ".lakebench", "server.json")
        if os.path.isfile(candidate):
            return candidate
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def _connection():
    uri = os.environ.get("MLFLOW_TRACKING_URI", "")
    token = os.environ.get("MLFLOW_TRACKING_TOKEN")
    if uri.startswith("http://") or uri.startswith("https://"):
        return uri.rstrip("/"), token
    found = _find_server_json(os.environ.get("LAKEBENCH_WORKSPACE") or os.getcwd())
    if not found:
        raise TrackingError(
            "ENDPOINT_NOT_FOUND",
            "No Lakebench server found: set MLFLOW_TRACKING_URI and MLFLOW_TRACKING_TOKEN, or run inside a "
            "workspace while Lakebench (or `lakebench serve`) is open.",
        )
    with open(found, encoding="utf-8") as fh:
        info = json.load(fh)
    return "http://127.0.0.1:%d" % int(info["port"]), token or info.get("token")


class _Client:
    def __init__(self):
        self.base, self.token = _connection()

    def _request(self, method, path, body=None, data=None, content_type="application/json"):
        url = self.base + path
        headers = {}
        if self.token:
            headers["Authorization"] = "Bearer " + self.token
        if body is not None:
            data = json.dumps(body, allow_nan=False).encode("utf-8")
        if data is not None:
            headers["Content-Type"] = content_type
        req = urllib.request.Request(url, data=data, method=method, headers=headers)
        delay = 0.2
        for attempt in range(5):
            try:
                with urllib.request.urlopen(req, timeout=120) as resp:
                    raw = resp.read()
                    return raw
            except urllib.error.HTTPError as err:
                raw = err.read()
                if err.code in (429, 503) and attempt < 4:
                    time.sleep(delay)
                    delay *= 2
                    continue
                try:
                    payload = json.loads(raw.decode("utf-8"))
                    raise TrackingError(payload.get("error_code", "INTERNAL_ERROR"), payload.get("message", ""), err.code)
                except ValueError:
                    raise TrackingError("INTERNAL_ERROR", raw.decode("utf-8", "replace").strip(), err.code)
            except urllib.error.URLError as err:
                if attempt < 4:
                    time.sleep(delay)
                    delay *= 2
                    continue
                raise TrackingError("TEMPORARILY_UNAVAILABLE", "cannot reach %s: %s" % (self.base, err.reason))
        raise TrackingError("TEMPORARILY_UNAVAILABLE", "the server stayed busy")

    def call(self, method, endpoint, body=None):
        path = "/api/2.0/mlflow/" + endpoint
        if method == "GET" and body:
            path += "?" + urllib.parse.urlencode(body, doseq=True)
            body = None
        raw = self._request(method, path, body=body)
        return json.loads(raw.decode("utf-8") or "{}")

    def upload(self, rel_path, data):
        quoted = urllib.parse.quote(rel_path)
        self._request("PUT", "/api/2.0/mlflow-artifacts/artifacts/" + quoted, data=data,
                      content_type="application/octet-stream")


def _metric_value(value):
    value = float(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return value


def _now_ms():
    return int(time.time() * 1000)


def _source_tags():
    """What produced the run: the script or notebook and its version; Lakebench sets the LAKEBENCH_SOURCE_* variables."""
    tags = {}
    try:
        tags["mlflow.user"] = getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name in some containers
        tags["mlflow.user"] = "unknown"
    env = os.environ
    kind = env.get("LAKEBENCH_SOURCE_KIND")
    script = sys.argv[0] if sys.argv and sys.argv[0] not in ("", "-c", "-m") else None
    if kind:
        tags["lakebench.source.kind"] = kind
    elif script:
        tags["lakebench.source.kind"] = "script"
    for var, tag in (
        ("LAKEBENCH_SOURCE_NOTEBOOK", "lakebench.source.notebook"),
        ("LAKEBENCH_SOURCE_CELL", "lakebench.source.cell"),
        ("LAKEBENCH_SOURCE_PIPELINE", "lakebench.source.pipeline"),
        ("LAKEBENCH_SOURCE_TASK", "lakebench.source.task"),
        ("LAKEBENCH_SOURCE_PIPELINE_RUN", "lakebench.source.pipelineRun"),
        ("LAKEBENCH_SOURCE_VERSION", "lakebench.source.version"),
    ):
        if env.get(var):
            tags[tag] = env[var]
    name = env.get("LAKEBENCH_SOURCE_NOTEBOOK") or env.get("LAKEBENCH_SOURCE_TASK") or script
    if name:
        tags["mlflow.source.name"] = name
        tags["mlflow.source.type"] = "NOTEBOOK" if env.get("LAKEBENCH_SOURCE_NOTEBOOK") else "LOCAL"
    if script and "lakebench.source.version" not in tags and os.path.isfile(script):
        with open(script, "rb") as fh:
            tags["lakebench.source.version"] = "sha256:" + hashlib.sha256(fh.read()).hexdigest()[:16]
    return tags


class Run:
    """One run being logged. Metrics are buffered and sent in batches; params and tags go at once."""

    def __init__(self, client, info):
        self._client = client
        self.info = info
        self.run_id = info["run_id"]
        self.experiment_id = info["experiment_id"]
        self._metrics = []
        self._lock = threading.Lock()
        self._last_flush = time.monotonic()
        self._ended = False

    # -- logging ---------------------------------------------------------------------------------------------
    def log_param(self, key, value):
        self.log_params({key: value})

    def log_params(self, params):
        items = [{"key": str(k), "value": str(v)} for k, v in params.items()]
        for i in range(0, len(items), _MAX_PARAMS):
            self._client.call("POST", "runs/log-batch", {"run_id": self.run_id, "params": items[i:i + _MAX_PARAMS]})

    def set_tag(self, key, value):
        self.set_tags({key: value})

    def set_tags(self, tags):
        items = [{"key": str(k), "value": str(v)} for k, v in tags.items()]
        for i in range(0, len(items), _MAX_TAGS):
            self._client.call("POST", "runs/log-batch", {"run_id": self.run_id, "tags": items[i:i + _MAX_TAGS]})

    def log_metric(self, key, value, step=0, timestamp=None):
        point = {
            "key": str(key),
            "value": _metric_value(value),
            "timestamp": int(timestamp) if timestamp is not None else _now_ms(),
            "step": int(step or 0),
        }
        with self._lock:
            self._metrics.append(point)
            due = len(self._metrics) >= _MAX_METRICS or time.monotonic() - self._last_flush > _FLUSH_SECONDS
        if due:
            self.flush()

    def log_metrics(self, metrics, step=0, timestamp=None):
        ts = int(timestamp) if timestamp is not None else _now_ms()
        for key, value in metrics.items():
            self.log_metric(key, value, step=step, timestamp=ts)

    def flush(self):
        """Sends every buffered metric point."""
        while True:
            with self._lock:
                batch = self._metrics[:_MAX_METRICS]
                self._metrics = self._metrics[_MAX_METRICS:]
                self._last_flush = time.monotonic()
            if not batch:
                return
            self._client.call("POST", "runs/log-batch", {"run_id": self.run_id, "metrics": batch})

    def _artifact_base(self):
        uri = self.info["artifact_uri"]
        prefix = "mlflow-artifacts:"
        if not uri.startswith(prefix):
            raise TrackingError("INVALID_PARAMETER_VALUE", "artifact uri %r is not served by the tracker" % uri)
        return uri[len(prefix):].lstrip("/")

    def log_artifact(self, local_path, artifact_path=None):
        """Uploads a file, or a folder with everything in it, under the run's artifacts."""
        base = self._artifact_base()
        sub = (artifact_path or "").strip("/")
        if os.path.isdir(local_path):
            root = os.path.abspath(local_path)
            for folder, _dirs, files in os.walk(root):
                for name in files:
                    full = os.path.join(folder, name)
                    rel = os.path.relpath(full, root).replace(os.sep, "/")
                    target = "/".join(p for p in (sub, os.path.basename(root), rel) if p)
                    with open(full, "rb") as fh:
                        self._client.upload(base + "/" + target, fh.read())
            return
        target = "/".join(p for p in (sub, os.path.basename(local_path)) if p)
        with open(local_path, "rb") as fh:
            self._client.upload(base + "/" + target, fh.read())

    def log_bytes(self, data, artifact_file):
        self._client.upload(self._artifact_base() + "/" + artifact_file.strip("/"), data)

    def log_text(self, text, artifact_file):
        self.log_bytes(text.encode("utf-8"), artifact_file)

    def end(self, status="FINISHED"):
        if self._ended:
            return
        self.flush()
        self._client.call("POST", "runs/update", {"run_id": self.run_id, "status": status, "end_time": _now_ms()})
        self._ended = True

    # -- context manager -------------------------------------------------------------------------------------
    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        status = "FINISHED" if exc_type is None else ("KILLED" if exc_type is KeyboardInterrupt else "FAILED")
        end_run(status, run=self)
        return False


_state = threading.local()
_global = {"experiment_id": None, "experiment_name": None, "client": None}
_runs = []  # the active runs, innermost last
_runs_lock = threading.Lock()


def _client():
    if _global["client"] is None:
        _global["client"] = _Client()
    return _global["client"]


def set_experiment(name=None, experiment_id=None):
    """Chooses the experiment new runs go to, creating it by name if needed; returns its id."""
    client = _client()
    if experiment_id is not None:
        client.call("GET", "experiments/get", {"experiment_id": str(experiment_id)})
        _global["experiment_id"] = str(experiment_id)
        return _global["experiment_id"]
    try:
        exp = client.call("GET", "experiments/get-by-name", {"experiment_name": name})["experiment"]
        exp_id = exp["experiment_id"]
    except TrackingError as err:
        if err.error_code != "RESOURCE_DOES_NOT_EXIST":
            raise
        try:
            exp_id = client.call("POST", "experiments/create", {"name": name})["experiment_id"]
        except TrackingError as err2:  # another process created it first
            if err2.error_code != "RESOURCE_ALREADY_EXISTS":
                raise
            exp_id = client.call("GET", "experiments/get-by-name", {"experiment_name": name})["experiment"]["experiment_id"]
    _global["experiment_id"] = exp_id
    _global["experiment_name"] = name
    return exp_id


def _experiment_id(experiment):
    if experiment is not None:
        return set_experiment(name=str(experiment))
    if _global["experiment_id"] is not None:
        return _global["experiment_id"]
    if os.environ.get("MLFLOW_EXPERIMENT_ID"):
        return set_experiment(experiment_id=os.environ["MLFLOW_EXPERIMENT_ID"])
    if os.environ.get("MLFLOW_EXPERIMENT_NAME"):
        return set_experiment(name=os.environ["MLFLOW_EXPERIMENT_NAME"])
    return "0"


def start_run(run_name=None, experiment=None, tags=None, description=None, nested=False):
    """Starts a run and makes it active; use it as a context manager to end it (FAILED on an exception)."""
    with _runs_lock:
        parent = _runs[-1] if _runs else None
    if parent is not None and not nested:
        raise TrackingError(
            "INVALID_STATE",
            "Run %s is already active; end it first or pass nested=True." % parent.run_id,
        )
    all_tags = _source_tags()
    all_tags.update({str(k): str(v) for k, v in (tags or {}).items()})
    if parent is not None:
        all_tags["mlflow.parentRunId"] = parent.run_id
    if description:
        all_tags["mlflow.note.content"] = description
    body = {
        "experiment_id": _experiment_id(experiment) if parent is None else parent.experiment_id,
        "start_time": _now_ms(),
        "user_id": all_tags.get("mlflow.user", "unknown"),
        "tags": [{"key": k, "value": v} for k, v in all_tags.items()],
    }
    if run_name:
        body["run_name"] = run_name
    info = _client().call("POST", "runs/create", body)["run"]["info"]
    run = Run(_client(), info)
    with _runs_lock:
        _runs.append(run)
    return run


def active_run():
    with _runs_lock:
        return _runs[-1] if _runs else None


def _require_run():
    run = active_run()
    if run is None:
        run = start_run()
    return run


def end_run(status="FINISHED", run=None):
    """Ends the given (or innermost active) run."""
    with _runs_lock:
        target = run or (_runs[-1] if _runs else None)
        if target is None:
            return
        if target in _runs:
            _runs.remove(target)
    target.end(status)


def log_param(key, value):
    _require_run().log_param(key, value)


def log_params(params):
    _require_run().log_params(params)


def log_metric(key, value, step=0, timestamp=None):
    _require_run().log_metric(key, value, step=step, timestamp=timestamp)


def log_metrics(metrics, step=0, timestamp=None):
    _require_run().log_metrics(metrics, step=step, timestamp=timestamp)


def set_tag(key, value):
    _require_run().set_tag(key, value)


def set_tags(tags):
    _require_run().set_tags(tags)


def log_artifact(local_path, artifact_path=None):
    _require_run().log_artifact(local_path, artifact_path)


def log_text(text, artifact_file):
    _require_run().log_text(text, artifact_file)


def flush():
    run = active_run()
    if run is not None:
        run.flush()


_failed = {"value": False}
_previous_hook = sys.excepthook


def _excepthook(exc_type, exc, tb):
    _failed["value"] = True
    _previous_hook(exc_type, exc, tb)


sys.excepthook = _excepthook


@atexit.register
def _end_all():
    while True:
        run = active_run()
        if run is None:
            return
        try:
            end_run("FAILED" if _failed["value"] else "FINISHED", run=run)
        except Exception:  # noqa: BLE001 - the server may be gone at exit
            with _runs_lock:
                if run in _runs:
                    _runs.remove(run)


from ._sklearn import autolog  # noqa: E402
