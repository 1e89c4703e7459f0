"""Embedding intent router: which route (intent, "ask", or out of scope) a request is, and how sure.

Routes are defined by example phrases. Registered intents contribute their phrases with
``{param}`` slots filled by the example values each intent declares; the built-in ``ask`` route covers questions and
searches. Scoring methods (all on normalised MiniLM embeddings):

* ``nn``     nearest phrase (1-NN cosine), the baseline;
* ``blend``  per class: w·max-sim + (1-w)·centroid-sim (robust with few phrases);
* ``logreg`` a logistic-regression head over the embeddings, blended with max-sim.

A single out-of-scope threshold on the top score (calibrated on held-out data by
``calibrate_threshold``) turns low-confidence requests into ``out_of_scope``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from agent.plan import Route

OUT_OF_SCOPE = "out_of_scope"
DEFAULT_METHOD = "blend"    # the scoring method of the product's router and of `kith eval intents`
ASK_PHRASES = [
    "what did Alice say about the trip", "when is my next appointment", "where is the dinner",
    "who sent me the invoice", "how many emails did I get from Bob", "did Alice book the boat trip",
    "show me the latest photos", "find emails about the budget", "search my messages for the address",
    "what time is the dinner on Saturday", "photos from Lisbon last summer", "what is Bob's phone number",
    "when did I last see my mum", "what did my husband say", "find the message about the flight",
    "show me pictures with Alice", "what's the address of the restaurant", "when is the meeting",
    "what did we talk about", "look up the email from the dentist", "which hotel did we book",
    "tell me about the quarterly report", "what is happening next week", "any news from Bob",
]


class Encoder(Protocol):
    def encode(self, texts: list[str]) -> np.ndarray: ...


def fill_placeholders(phrase: str, examples: dict[str, str] | None = None) -> str:
    """``text {recipient} that {body}`` → ``text Alice that I'm running late`` with ``examples`` (an
    intent declares its own, ``IntentSpec.examples``); slots without an example are removed."""
    filled = re.sub(r"\{(\w+)\}", lambda m: (examples or {}).get(m.group(1), ""), phrase)
    return " ".join(filled.split())


@dataclass
class IntentRouter:
    encoder: Encoder
    method: str = "blend"          # nn | blend | knn | logreg
    threshold: float = 0.5
    blend_weight: float = 0.7      # share of max-sim in "blend"
    knn_k: int = 5
    labels: list[str] = field(default_factory=list)
    _phrase_vectors: np.ndarray | None = None
    _phrase_labels: np.ndarray | None = None
    _centroids: np.ndarray | None = None
    _head: Any = None

    def fit(self, routes: dict[str, list[str]], vectors: np.ndarray | None = None,
            oos_phrases: list[str] | None = None) -> "IntentRouter":
        """Embed every route's phrases. ``oos_phrases`` (known out-of-scope examples) train the head's oos class."""
        self.labels = sorted(routes)
        texts, labels = [], []
        for index, name in enumerate(self.labels):
            for phrase in routes[name]:
                texts.append(fill_placeholders(phrase))
                labels.append(index)
        if not texts:
            raise ValueError("no phrases to route on")
        self._phrase_vectors = vectors if vectors is not None else self.encoder.encode(texts)
        self._phrase_labels = np.array(labels)
        centroids = np.stack([self._phrase_vectors[self._phrase_labels == i].mean(axis=0)
                              for i in range(len(self.labels))])
        self._centroids = centroids / np.linalg.norm(centroids, axis=1, keepdims=True)
        if self.method == "logreg":
            from sklearn.linear_model import LogisticRegression

            x, y = self._phrase_vectors, self._phrase_labels
            if oos_phrases:
                x = np.vstack([x, self.encoder.encode(oos_phrases)])
                y = np.concatenate([y, np.full(len(oos_phrases), len(self.labels))])
            self._head = LogisticRegression(C=10.0, max_iter=3000)
            self._head.fit(x, y)
        return self

    # ----------------------------------------------------------- scoring
    def class_scores(self, query_vectors: np.ndarray) -> np.ndarray:
        """(n_queries, n_classes) scores in roughly [0, 1]; higher is more likely."""
        sims = query_vectors @ self._phrase_vectors.T
        n_classes = len(self.labels)
        max_sim = np.full((len(query_vectors), n_classes), -1.0, dtype=np.float32)
        for i in range(n_classes):
            mask = self._phrase_labels == i
            max_sim[:, i] = sims[:, mask].max(axis=1)
        if self.method == "nn":
            return max_sim
        centroid_sim = query_vectors @ self._centroids.T
        if self.method == "blend":
            return self.blend_weight * max_sim + (1 - self.blend_weight) * centroid_sim
        if self.method == "knn":
            k = min(self.knn_k, sims.shape[1])
            top = np.argpartition(-sims, k - 1, axis=1)[:, :k]
            scores = np.zeros((len(query_vectors), n_classes), dtype=np.float32)
            for row in range(len(query_vectors)):
                for col in top[row]:
                    scores[row, self._phrase_labels[col]] += sims[row, col] / k
            return 0.5 * scores + 0.5 * max_sim
        if self.method == "logreg":
            proba = self._head.predict_proba(query_vectors)
            classes = list(self._head.classes_)
            full = np.zeros((len(query_vectors), n_classes + 1), dtype=np.float32)
            for j, c in enumerate(classes):
                full[:, c] = proba[:, j]
            # class probability x the query's nearest-phrase similarity: confident only when both agree
            return full[:, :n_classes] * np.clip(max_sim.max(axis=1, keepdims=True), 0, 1)
        raise ValueError(f"unknown routing method {self.method!r}")

    def predict(self, query_vectors: np.ndarray, threshold: float | None = None) -> tuple[list[str], np.ndarray]:
        scores = self.class_scores(query_vectors)
        best = scores.argmax(axis=1)
        top = scores[np.arange(len(scores)), best]
        limit = self.threshold if threshold is None else threshold
        names = [self.labels[b] if s >= limit else OUT_OF_SCOPE for b, s in zip(best, top)]
        return names, top

    def route(self, text: str, alternatives: int = 3) -> Route:
        vector = self.encoder.encode([text])
        scores = self.class_scores(vector)[0]
        order = np.argsort(-scores)
        best = int(order[0])
        alts = [(self.labels[int(i)], float(scores[int(i)])) for i in order[1:1 + alternatives]]
        name = self.labels[best] if scores[best] >= self.threshold else OUT_OF_SCOPE
        if name == OUT_OF_SCOPE:
            alts = [(self.labels[best], float(scores[best]))] + alts[:-1]
        return Route(name, float(scores[best]), alts, float(self.threshold))


def calibrate_threshold(top_scores: np.ndarray, predictions_correct: np.ndarray, is_oos: np.ndarray,
                        min_oos_recall: float = 0.7) -> float:
    """The threshold that maximises in-scope accuracy subject to out-of-scope recall ≥ ``min_oos_recall``.

    ``top_scores``: each example's best class score; ``predictions_correct``: whether the argmax was right
    (in-scope examples); ``is_oos``: which examples are out of scope. If the target cannot be met the
    threshold maximising accuracy + OOS recall is returned.
    """
    candidates = np.unique(np.concatenate([top_scores, [top_scores.min() - 1e-6]]))
    best, best_key = float(candidates[0]), (-1.0, -1.0)
    fallback, fallback_key = float(candidates[0]), -1.0
    n_in, n_oos = max(1, (~is_oos).sum()), max(1, is_oos.sum())
    for t in candidates:
        accepted = top_scores >= t
        acc = (accepted & predictions_correct & ~is_oos).sum() / n_in
        recall = (~accepted & is_oos).sum() / n_oos
        if recall >= min_oos_recall and (acc, -t) > best_key:
            best, best_key = float(t), (acc, -t)
        if acc + recall > fallback_key:
            fallback, fallback_key = float(t), acc + recall
    return best if best_key[0] >= 0 else fallback
