"""lb.autolog() for scikit-learn: every top-level fit() becomes a run (or logs into the active one) with the
estimator's get_params(), training metrics, the fitted model pickled as an artifact, and the run context."""

import functools
import pickle
import threading

_patched = {"done": False}
# Process-wide, not per thread: a forest fits its trees in joblib worker threads, and those fits belong to it.
_inside = {"active": False}
_inside_lock = threading.Lock()


def _training_metrics(estimator, X, y, sample_weight=None):
    from sklearn import base, metrics

    out = {}
    if y is None:
        return out
    try:
        predicted = estimator.predict(X)
    except Exception:  # noqa: BLE001 - not every estimator predicts (e.g. transformers)
        return out
    if base.is_classifier(estimator):
        out["training_accuracy_score"] = metrics.accuracy_score(y, predicted, sample_weight=sample_weight)
        average = "binary" if len(set(list(y))) == 2 else "weighted"
        out["training_precision_score"] = metrics.precision_score(y, predicted, average=average, zero_division=0)
        out["training_recall_score"] = metrics.recall_score(y, predicted, average=average, zero_division=0)
        out["training_f1_score"] = metrics.f1_score(y, predicted, average=average, zero_division=0)
    elif base.is_regressor(estimator):
        mse = metrics.mean_squared_error(y, predicted, sample_weight=sample_weight)
        out["training_mean_squared_error"] = mse
        out["training_root_mean_squared_error"] = mse ** 0.5
        out["training_mean_absolute_error"] = metrics.mean_absolute_error(y, predicted, sample_weight=sample_weight)
        out["training_r2_score"] = metrics.r2_score(y, predicted, sample_weight=sample_weight)
    try:
        out["training_score"] = estimator.score(X, y)
    except Exception:  # noqa: BLE001 - score needs what some estimators lack
        pass
    return out


def _wrap(cls, original):
    import lakebench as lb

    @functools.wraps(original)
    def fit(self, X, y=None, *args, **kwargs):
        # Only the outermost fit is a run: a Pipeline's steps or a forest's trees fit inside it.
        with _inside_lock:
            nested = _inside["active"]
            _inside["active"] = True
        if nested:
            return original(self, X, y, *args, **kwargs)
        own_run = lb.active_run() is None
        run = lb.start_run(run_name=type(self).__name__) if own_run else lb.active_run()
        try:
            params = {k: str(v)[:6000] for k, v in self.get_params(deep=True).items()}
            run.log_params(params)
            run.set_tags({
                "estimator_name": type(self).__name__,
                "estimator_class": "%s.%s" % (type(self).__module__, type(self).__name__),
            })
            result = original(self, X, y, *args, **kwargs)
            run.log_metrics(_training_metrics(self, X, y, kwargs.get("sample_weight")))
            run.log_bytes(pickle.dumps(self), "model/model.pkl")
            run.log_text(
                "flavor: sklearn\nestimator: %s.%s\nserialization: pickle\n"
                % (type(self).__module__, type(self).__name__),
                "model/MLmodel",
            )
            run.flush()
            if own_run:
                lb.end_run("FINISHED", run=run)
            return result
        except BaseException:
            if own_run:
                lb.end_run("FAILED", run=run)
            raise
        finally:
            with _inside_lock:
                _inside["active"] = False

    fit._lakebench_autolog = True
    return fit


def autolog():
    """Patches fit() of every scikit-learn estimator class. Safe to call more than once."""
    if _patched["done"]:
        return
    from sklearn.utils import all_estimators

    from sklearn import pipeline

    # Patch fit() where it is defined (often a shared base such as BaseForest), once per defining class.
    for cls in [c for _name, c in all_estimators()] + [pipeline.Pipeline]:
        owner = next((k for k in cls.__mro__ if "fit" in k.__dict__), None)
        if owner is None:
            continue
        original = owner.__dict__["fit"]
        if getattr(original, "_lakebench_autolog", False):
            continue
        setattr(owner, "fit", _wrap(owner, original))
    _patched["done"] = True
