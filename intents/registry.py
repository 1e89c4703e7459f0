"""The registry: holds intent specs, enforces trust and confirmation, validates, runs and audits calls."""
from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from intents.audit import record
from intents.confirmation import Confirmation, ConfirmationRequest, build_request, normalize
from intents.context import IntentContext
from intents.decorator import IntentSpec
from intents.effects import Effect
from intents.own_data import index_written
from intents.errors import ArgumentError, IntentError, RegistrationError
from intents.trust import TrustStatus, TrustStore
from intents.validation import validate_arguments

log = logging.getLogger(__name__)
STATUSES = ("done", "needs_confirmation", "refused", "failed")


@dataclass
class CallResult:
    status: str
    intent: str
    effect: str | None = None
    result: Any = None
    error: dict[str, Any] | None = None
    confirmation: dict[str, Any] | None = None   # the request shown (or that would be shown) to the user
    confirmed_by: str | None = None
    audit_id: int | None = None

    @property
    def ok(self) -> bool:
        return self.status == "done"

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status, "intent": self.intent, "effect": self.effect, "result": self.result,
            "error": self.error, "confirmation": self.confirmation, "confirmed_by": self.confirmed_by,
            "audit_id": self.audit_id,
        }


@dataclass
class Registry:
    home: Any = None                         # KithHome, or None for an in-memory trust store
    specs: dict[str, IntentSpec] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)   # registration errors of third-party sources
    disabled: set[str] = field(default_factory=set)
    _store: Any = None

    # ------------------------------------------------------------------ registration
    def add(self, spec_or_func: IntentSpec | Callable[..., Any], origin: str | None = None) -> IntentSpec:
        spec = spec_or_func if isinstance(spec_or_func, IntentSpec) else getattr(spec_or_func, "__kith_intent__", None)
        if spec is None:
            raise RegistrationError(f"{spec_or_func!r} is not decorated with @intent")
        if origin is not None:
            spec.origin = origin
        existing = self.specs.get(spec.name)
        if existing is not None and existing.func is not spec.func:
            raise RegistrationError(
                f"{spec.source_file}: intent {spec.name!r}: duplicate name, already registered by "
                f"{existing.source_file} ({existing.origin})"
            )
        self.specs[spec.name] = spec
        return spec

    def add_module(self, module: Any, origin: str) -> list[IntentSpec]:
        added = []
        for value in list(vars(module).values()):
            spec = getattr(value, "__kith_intent__", None)
            if isinstance(spec, IntentSpec) and getattr(value, "__module__", None) == module.__name__:
                added.append(self.add(spec, origin))
        return added

    # ------------------------------------------------------------------ lookup
    def get(self, name: str) -> IntentSpec:
        try:
            return self.specs[name]
        except KeyError:
            raise IntentError(f"no intent named {name!r} (see `kith intents list`)", type="unknown_intent") from None

    def list(self, enabled_only: bool = True) -> list[IntentSpec]:
        specs = sorted(self.specs.values(), key=lambda s: s.name)
        return [s for s in specs if self.trust_status(s).enabled] if enabled_only else specs

    def __contains__(self, name: str) -> bool:
        return name in self.specs

    def __len__(self) -> int:
        return len(self.specs)

    # ------------------------------------------------------------------ trust
    @property
    def store(self) -> Any:
        """The store holding approvals and the audit log: the home's, or a throwaway one in memory."""
        if self._store is None:
            from indexer.store import Store

            self._store = Store.open(self.home) if self.home is not None else Store.in_memory()
        return self._store

    @property
    def db(self) -> Any:
        return self.store.db

    @property
    def trust(self) -> TrustStore:
        return TrustStore(self.store, self.disabled)

    def trust_status(self, spec: IntentSpec) -> TrustStatus:
        return self.trust.status(spec)

    def approve(self, name: str, by: str = "user") -> str:
        return self.trust.approve(self.get(name), by=by)

    # ------------------------------------------------------------------ export
    def to_openai_tools(self, enabled_only: bool = True) -> list[dict[str, Any]]:
        from intents.openai_tools import to_openai_tools

        return to_openai_tools(self.list(enabled_only))

    # ------------------------------------------------------------------ calling
    def call(
        self,
        name: str,
        arguments: dict[str, Any] | None,
        *,
        context: IntentContext,
        confirm: Callable[[ConfirmationRequest], Confirmation | bool] | None = None,
        caller: str = "cli",
    ) -> CallResult:
        """Validate, resolve, confirm (unless READ), run and audit one intent call. Never raises for
        bad input; the outcome is in ``CallResult.status``."""
        arguments = {} if arguments is None else arguments
        spec = self.specs.get(name)
        if spec is None:
            return self._finish(context, CallResult("failed", name, error={
                "type": "unknown_intent", "message": f"no intent named {name!r}"}), arguments, caller, None)
        res = CallResult("failed", name, effect=spec.effect.value)
        status = self.trust_status(spec)
        if not status.enabled:
            res.error = {"type": "disabled", "reason": status.reason, "message": status.message(name)}
            return self._finish(context, res, arguments, caller, spec)
        try:
            kwargs = validate_arguments(spec, arguments, context)
        except ArgumentError as exc:
            res.error = exc.error
            return self._finish(context, res, arguments, caller, spec)
        if spec.effect is not Effect.READ:
            request = build_request(spec, kwargs, caller)
            res.confirmation = request.to_json()
            answer: Confirmation | None = None
            if confirm is not None:
                try:
                    answer = normalize(confirm(request), default_by=caller)
                except Exception as exc:  # a broken prompt is a refusal, never a silent yes
                    answer = Confirmation(False, by=caller, note=f"confirmation failed: {exc}")
            if answer is None or (answer.deferred and not answer.approved):  # nobody can say yes right now
                res.status = "needs_confirmation"
                res.error = {"type": "needs_confirmation",
                             "message": f"{spec.effect.value} intent {name!r} needs confirmation: {request.summary}"}
                return self._finish(context, res, arguments, caller, spec)
            if not answer.approved:
                res.status = "refused"
                res.error = {"type": "refused", "message": answer.note or f"{name!r} was not confirmed; nothing was done"}
                res.confirmed_by = None
                return self._finish(context, res, arguments, caller, spec, refused_by=answer.by)
            res.confirmed_by = answer.by
        if spec.context_param:
            kwargs[spec.context_param] = context
        try:
            value = spec.func(**kwargs)
        except ArgumentError as exc:
            res.error = exc.error
        except IntentError as exc:
            res.error = exc.to_json()
        except Exception as exc:
            log.debug("intent %s crashed:\n%s", name, traceback.format_exc())
            res.error = {"type": "error", "message": f"{type(exc).__name__}: {exc}"}
        else:
            res.status = "done"
            res.result = to_jsonable(value)
            index_written(context)  # what kith wrote (reminders, outbox, drafts) is the user's own data
        return self._finish(context, res, arguments, caller, spec)

    def _finish(self, context: IntentContext, res: CallResult, arguments: Any, caller: str,
                spec: IntentSpec | None, refused_by: str | None = None) -> CallResult:
        try:
            store = context.app.store if context is not None and context.app is not None else self.store
            res.audit_id = record(
                store, intent=res.intent, effect=res.effect or "unknown", caller=caller, arguments=arguments,
                status=res.status, confirmed_by=res.confirmed_by or (f"refused:{refused_by}" if refused_by else None),
                result=res.result, error=res.error, spec_hash=spec.hash if spec else None,
            )
        except Exception as exc:  # never lose the outcome because the audit write failed
            log.warning("could not write the intent audit log: %s", exc)
        return res


def to_jsonable(value: Any) -> Any:
    from datetime import date
    from enum import Enum

    from pydantic import BaseModel

    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    return value


def specs_of(items: Iterable[Any]) -> list[IntentSpec]:
    return [i if isinstance(i, IntentSpec) else i.__kith_intent__ for i in items]
