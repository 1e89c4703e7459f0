"""Few-shot out-of-scope calibration: the router's threshold chosen from the intents' own phrases.

With about ten phrases per intent and no validation split there is nothing held out to tune the
out-of-scope threshold on, and a fixed threshold is wrong for every scoring method in a
different way. ``calibrate_from_phrases`` builds the missing held-out set from what there is:

* in scope: every phrase scored by a router fitted *without* it (stratified k-fold over the
  phrases; a route with one phrase is never held out), so its score is what an unseen paraphrase
  would get, not the trivial 1.0 of a phrase matching itself;
* out of scope: a generic pool of unrelated requests (``agent.oos_pool``) scored by the router
  fitted on all the phrases.

The threshold is then the one that keeps the most in-scope phrases right while rejecting at
least ``target_oos_recall`` of the pool (``agent.router.calibrate_threshold``). The same function
serves the product's router (``agent.deterministic_planner``) and ``kith eval intents`` without a val split.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from agent.router import IntentRouter, calibrate_threshold, fill_placeholders

DEFAULT_FOLDS = 5
DEFAULT_TARGET_OOS_RECALL = 0.7


@dataclass
class Calibration:
    threshold: float
    in_scope_accuracy: float      # cross-validated, on the phrases, at the threshold
    oos_recall: float             # on the pool, at the threshold
    n_phrases: int
    n_pool: int
    folds: int

    def to_json(self) -> dict[str, Any]:
        return {"threshold": round(self.threshold, 5), "cv_in_scope_accuracy": round(self.in_scope_accuracy, 4),
                "pool_oos_recall": round(self.oos_recall, 4), "n_phrases": self.n_phrases, "n_pool": self.n_pool,
                "folds": self.folds}


def phrase_texts(routes: dict[str, list[str]]) -> list[str]:
    """The phrases in the order ``IntentRouter.fit`` embeds them (sorted route names, then phrase order)."""
    return [fill_placeholders(p) for name in sorted(routes) for p in routes[name]]


def _fold_of(labels: np.ndarray, folds: int) -> np.ndarray:
    """Fold number per phrase, round-robin within each route; -1 = never held out (a route's only phrase)."""
    fold = np.full(len(labels), -1)
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        if len(members) > 1:
            fold[members] = np.arange(len(members)) % min(folds, len(members))
    return fold


def cross_validated_scores(router: IntentRouter, routes: dict[str, list[str]], vectors: np.ndarray,
                           folds: int = DEFAULT_FOLDS) -> tuple[np.ndarray, np.ndarray]:
    """(top score, argmax correct) for every phrase that can be held out, each scored by a router fitted
    on the other folds with the same method and settings."""
    names = sorted(routes)
    labels = np.array([i for i, name in enumerate(names) for _ in routes[name]])
    texts = [p for name in names for p in routes[name]]
    fold = _fold_of(labels, folds)
    tops, correct = [], []
    for f in sorted(set(fold.tolist()) - {-1}):
        train = fold != f
        sub_routes: dict[str, list[str]] = {}
        for index in np.flatnonzero(train):
            sub_routes.setdefault(names[labels[index]], []).append(texts[index])
        fitted = IntentRouter(router.encoder, method=router.method, blend_weight=router.blend_weight,
                              knn_k=router.knn_k).fit(sub_routes, vectors=vectors[_reorder(train, labels, names, sub_routes)])
        held = np.flatnonzero(fold == f)
        scores = fitted.class_scores(vectors[held])
        best = scores.argmax(axis=1)
        tops.append(scores[np.arange(len(held)), best])
        correct.append(np.array([fitted.labels[b] == names[labels[i]] for b, i in zip(best, held)]))
    if not tops:
        return np.zeros(0, np.float32), np.zeros(0, bool)
    return np.concatenate(tops), np.concatenate(correct)


def _reorder(train: np.ndarray, labels: np.ndarray, names: list[str], sub_routes: dict[str, list[str]]) -> np.ndarray:
    """Indices of the training phrases in the order a router fitted on ``sub_routes`` expects them."""
    order = []
    for name in sorted(sub_routes):
        order.extend(np.flatnonzero(train & (labels == names.index(name))).tolist())
    return np.array(order, dtype=int)


def calibrate_from_phrases(router: IntentRouter, routes: dict[str, list[str]], vectors: np.ndarray,
                           pool_vectors: np.ndarray, target_oos_recall: float = DEFAULT_TARGET_OOS_RECALL,
                           folds: int = DEFAULT_FOLDS) -> Calibration:
    """Set ``router.threshold`` (a router already fitted on ``routes``/``vectors``) from cross-validated
    phrase scores and the out-of-scope pool; returns what was measured on the way."""
    tops, correct = cross_validated_scores(router, routes, vectors, folds)
    pool_tops = router.class_scores(pool_vectors).max(axis=1) if len(pool_vectors) else np.zeros(0, np.float32)
    scores = np.concatenate([tops, pool_tops])
    is_oos = np.concatenate([np.zeros(len(tops), bool), np.ones(len(pool_tops), bool)])
    right = np.concatenate([correct, np.zeros(len(pool_tops), bool)])
    threshold = calibrate_threshold(scores, right, is_oos, target_oos_recall) if len(scores) else router.threshold
    router.threshold = threshold
    accuracy = float((correct & (tops >= threshold)).mean()) if len(tops) else 0.0
    recall = float((pool_tops < threshold).mean()) if len(pool_tops) else 0.0
    return Calibration(float(threshold), accuracy, recall, len(tops), len(pool_tops), folds)


def pool_vectors(encoder: Any) -> np.ndarray:
    from agent.oos_pool import OOS_POOL

    return encoder.encode(list(OOS_POOL))


def fit_calibrated(encoder: Any, routes: dict[str, list[str]], method: str | None = None,
                   target_oos_recall: float = DEFAULT_TARGET_OOS_RECALL,
                   folds: int = DEFAULT_FOLDS) -> tuple[IntentRouter, Calibration]:
    """A router fitted on ``routes`` with its threshold calibrated from the phrases and the pool."""
    from agent.router import DEFAULT_METHOD

    vectors = encoder.encode(phrase_texts(routes))
    router = IntentRouter(encoder, method=method or DEFAULT_METHOD).fit(routes, vectors=vectors)
    return router, calibrate_from_phrases(router, routes, vectors, pool_vectors(encoder), target_oos_recall, folds)
