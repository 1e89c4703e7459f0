"""Convert CLINC150 (Larson et al. 2019, ``data_full.json``) to the generic `kith eval intents` format.

Train phrases become the intents' phrases (``k`` per intent if given); ``test`` + ``oos_test`` become
the test split, ``val`` + ``oos_val`` (+ ``oos_train`` by default) the calibration split.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

OOS_LABEL = "oos"


def convert(data: dict[str, Any], k: int | None = None, oos_train_to: str = "val") -> dict[str, Any]:
    """``oos_train_to``: "val" (default: more out-of-scope examples to calibrate the threshold on),
    "train" (an explicit out-of-scope class for the head) or "none"."""
    intents: dict[str, list[str]] = {}
    for text, label in data["train"]:
        phrases = intents.setdefault(label, [])
        if k is None or len(phrases) < k:
            phrases.append(text)

    def split(*names: str) -> list[dict[str, Any]]:
        return [{"text": text, "intent": None if label == OOS_LABEL else label}
                for name in names for text, label in data.get(name, [])]

    return {
        "intents": [{"name": name, "phrases": phrases} for name, phrases in sorted(intents.items())],
        "test": split("test", "oos_test"),
        "val": split("val", "oos_val") + (split("oos_train") if oos_train_to == "val" else []),
        "oos_phrases": [text for text, _ in data.get("oos_train", [])] if oos_train_to == "train" else [],
    }


def convert_file(source: str | Path, target: str | Path, k: int | None = None, oos_train_to: str = "val") -> Path:
    data = json.loads(Path(source).read_text(encoding="utf-8"))
    target = Path(target)
    target.write_text(json.dumps(convert(data, k, oos_train_to), ensure_ascii=False), encoding="utf-8")
    return target


if __name__ == "__main__":  # python -m evals.clinc150 data_full.json out.json [k]
    import sys

    convert_file(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else None)
