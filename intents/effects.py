"""The four effects an intent can declare; anything but READ needs confirmation before it runs."""
from __future__ import annotations

from enum import Enum


class Effect(str, Enum):
    READ = "read"
    WRITE = "write"
    SEND = "send"
    DESTRUCTIVE = "destructive"

    @property
    def needs_confirmation(self) -> bool:
        return self is not Effect.READ

    @property
    def read_only(self) -> bool:
        return self is Effect.READ

    @property
    def destructive(self) -> bool:
        return self is Effect.DESTRUCTIVE
