"""`kith eval intents FILE`: route a labelled test set and report accuracy and out-of-scope detection.

File format (JSON, documented in docs/AGENT.md)::

    {"intents": [{"name": "...", "phrases": ["...", ...]}, ...],
     "test":    [{"text": "...", "intent": "name" | null}, ...],      # null = out of scope
     "val":     [{"text": "...", "intent": "name" | null}, ...],      # optional: threshold calibration
     "oos_phrases": ["...", ...]}                                     # optional: known out-of-scope examples

With a ``val`` split the out-of-scope threshold is calibrated on it: the highest in-scope accuracy
whose out-of-scope recall reaches ``--target-oos-recall``. Without one it is calibrated from the
phrases themselves (cross-validated) and a generic out-of-scope pool, exactly as the product's
router does (``agent.calibration``).
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from agent.calibration import DEFAULT_TARGET_OOS_RECALL, calibrate_from_phrases, phrase_texts, pool_vectors
from agent.router import DEFAULT_METHOD, OUT_OF_SCOPE, IntentRouter, calibrate_threshold
from indexer.errors import KithError


@dataclass
class IntentDataset:
    intents: dict[str, list[str]]
    test: list[tuple[str, str | None]]
    val: list[tuple[str, str | None]]
    oos_phrases: list[str]

    @classmethod
    def load(cls, path: str | Path) -> "IntentDataset":
        return cls.open(path)

    @classmethod
    def open(cls, path: str | Path, clinc: bool = False) -> "IntentDataset":
        """FILE in kith's format, or CLINC150's data_full.json converted on the fly when ``clinc``."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            what = "CLINC150 file" if clinc else "intent evaluation file"
            raise KithError(f"cannot read {what} {path}: {exc}") from exc
        if clinc:
            from evals.clinc150 import convert

            data = convert(data)
        return cls.from_json(data, str(path))

    @classmethod
    def from_json(cls, data: Any, origin: str = "input") -> "IntentDataset":
        if not isinstance(data, dict) or not isinstance(data.get("intents"), list) or not isinstance(data.get("test"), list):
            raise KithError(f'{origin}: expected {{"intents": [{{"name", "phrases"}}], "test": [{{"text", "intent"}}]}}')
        intents: dict[str, list[str]] = {}
        for item in data["intents"]:
            if not isinstance(item, dict) or not item.get("name") or not isinstance(item.get("phrases"), list):
                raise KithError(f"{origin}: every intent needs a name and a list of phrases (got {item!r:.80})")
            phrases = [p for p in item["phrases"] if isinstance(p, str) and p.strip()]
            if phrases:
                intents.setdefault(str(item["name"]), []).extend(phrases)
        if not intents:
            raise KithError(f"{origin}: no intent has any phrase")

        def examples(key: str) -> list[tuple[str, str | None]]:
            out = []
            for item in data.get(key) or []:
                if not isinstance(item, dict) or not isinstance(item.get("text"), str):
                    raise KithError(f"{origin}: every {key} example needs a text (got {item!r:.80})")
                out.append((item["text"], item.get("intent")))
            return out

        return cls(intents, examples("test"), examples("val"), [p for p in data.get("oos_phrases") or [] if isinstance(p, str)])


def metrics(gold: list[str | None], predicted: list[str], top_errors: int = 10) -> dict[str, Any]:
    in_scope = [(g, p) for g, p in zip(gold, predicted) if g is not None]
    oos = [(g, p) for g, p in zip(gold, predicted) if g is None]
    predicted_oos = [g for g, p in zip(gold, predicted) if p == OUT_OF_SCOPE]
    confusion = Counter((g if g is not None else OUT_OF_SCOPE, p) for g, p in zip(gold, predicted)
                        if (g if g is not None else OUT_OF_SCOPE) != p)
    return {
        "in_scope_accuracy": round(sum(g == p for g, p in in_scope) / len(in_scope), 4) if in_scope else None,
        "oos_recall": round(sum(p == OUT_OF_SCOPE for _, p in oos) / len(oos), 4) if oos else None,
        "oos_precision": round(sum(g is None for g in predicted_oos) / len(predicted_oos), 4) if predicted_oos else None,
        "n_in_scope": len(in_scope), "n_oos": len(oos),
        "top_confusions": [{"gold": g, "predicted": p, "count": n} for (g, p), n in confusion.most_common(top_errors)],
    }


def fit_router(dataset: IntentDataset, encoder, method: str = DEFAULT_METHOD,
               target_oos_recall: float = DEFAULT_TARGET_OOS_RECALL, threshold: float | None = None,
               k: int | None = None, calibrate: str = "auto") -> tuple[IntentRouter, str, Any]:
    """The router `evaluate` scores: fitted on the intents' phrases (the first ``k`` per intent if given)
    and calibrated; returns (router, what it was calibrated on, the phrase calibration or None).

    ``calibrate``: "auto" (the val split when there is one, else the phrases), "val" or "phrases"."""
    if calibrate not in ("auto", "val", "phrases"):
        raise KithError(f"unknown calibration {calibrate!r}: use auto, val or phrases")
    if calibrate == "val" and not dataset.val and threshold is None:
        raise KithError("--calibrate val needs a val split in the evaluation file")
    routes = {name: phrases[:k] if k else phrases for name, phrases in dataset.intents.items()}
    vectors = encoder.encode(phrase_texts(routes))
    router = IntentRouter(encoder, method=method).fit(routes, vectors=vectors, oos_phrases=dataset.oos_phrases or None)
    calibrated_on, calibration = "default", None
    if threshold is not None:
        router.threshold, calibrated_on = threshold, "given"
    elif dataset.val and calibrate != "phrases":
        val_vectors = encoder.encode([t for t, _ in dataset.val])
        scores = router.class_scores(val_vectors)
        best = scores.argmax(axis=1)
        gold = [g for _, g in dataset.val]
        correct = np.array([g is not None and router.labels[b] == g for b, g in zip(best, gold)])
        is_oos = np.array([g is None for g in gold])
        router.threshold = calibrate_threshold(scores.max(axis=1), correct, is_oos, target_oos_recall)
        calibrated_on = "val"
    else:
        calibration = calibrate_from_phrases(router, routes, vectors, pool_vectors(encoder), target_oos_recall)
        calibrated_on = "phrases+pool"
    return router, calibrated_on, calibration


def evaluate(dataset: IntentDataset, encoder, method: str = DEFAULT_METHOD,
             target_oos_recall: float = DEFAULT_TARGET_OOS_RECALL,
             threshold: float | None = None, k: int | None = None, calibrate: str = "auto") -> dict[str, Any]:
    """Fit and calibrate a router (`fit_router`) and score the test split."""
    router, calibrated_on, calibration = fit_router(dataset, encoder, method, target_oos_recall, threshold, k, calibrate)
    test_vectors = encoder.encode([t for t, _ in dataset.test])
    predicted, _ = router.predict(test_vectors)
    report = metrics([g for _, g in dataset.test], predicted)
    report.update({"method": method, "threshold": round(float(router.threshold), 5), "calibrated_on": calibrated_on,
                   "phrases_per_intent": k or "all", "n_intents": len(dataset.intents),
                   "target_oos_recall": target_oos_recall,
                   "calibration": calibration.to_json() if calibration else None})
    return report
