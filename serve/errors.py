"""HTTP errors in OpenAI's shape: ``{"error": {"message", "type", "code"}}``, one line, no traceback."""
from __future__ import annotations

from indexer.errors import KithError


class ApiError(KithError):
    def __init__(self, status: int, message: str, code: str = "bad_request") -> None:
        super().__init__(message)
        self.status = status
        self.code = code

    def to_json(self) -> dict[str, object]:
        kind = "invalid_request_error" if self.status < 500 else "server_error"
        return {"error": {"message": str(self), "type": kind, "code": self.code}}
