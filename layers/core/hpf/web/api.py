"""``Api``: one area's Chalice app with the platform's rules built in.

A route is declared with the roles it admits (there is no default: a route without roles cannot be declared,
so access is denied unless granted), the pydantic models of its query and body, and its response model. The
wrapper then, for every request:

  1. carries the correlation id (header ``X-Correlation-Id`` or the gateway's request id) into the logs;
  2. verifies the bearer token (401) and the role (403);
  3. validates query and body with pydantic (400 with the field errors);
  4. for a state-changing method, appends the operation record (操作留痕) of the request *before* the handler runs:
     if the trail cannot be kept the request is refused (503 OPERATION_RECORD_UNAVAILABLE) and nothing changes;
  5. calls the handler — one service call — and maps a typed domain error to its status and stable code;
  6. for a state-changing method, appends the outcome to the trail, success or failure.

Handlers are thin: ``def handler(ctx: RequestContext, **path_params) -> BaseModel``.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from chalice import Chalice, Response
from pydantic import BaseModel, ValidationError

from hpf import bootstrap
from hpf.common.clock import SHANGHAI
from hpf.common.errors import Forbidden, HpfError, NotFound, TransientFailure, Unauthenticated, ValidationFailed
from hpf.identity.principal import PUBLIC_PRINCIPAL, Principal
from hpf.identity.roles import ALL_ROLES, Role
from hpf.observability.correlation import HEADER, set_correlation_id
from hpf.observability.logging import get_logger

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
ANY_AUTHENTICATED = ALL_ROLES
_CONTENT_TYPES = ["application/json", "application/json; charset=utf-8", "text/plain", "application/octet-stream"]


# A model given as a class, or as "package.module:ClassName" imported on first use — so that a cold start
# builds only the models of the route it answers, not every model of the app.
ModelRef = type[BaseModel] | str | None


@dataclass(frozen=True)
class RouteSpec:
    path: str
    method: str
    roles: frozenset[Role]
    summary: str
    handler_name: str
    body_ref: ModelRef = None
    query_ref: ModelRef = None
    path_ref: ModelRef = None
    response_ref: ModelRef = None
    status: int = 200
    tags: tuple[str, ...] = ()
    public: bool = False  # no token asked: declared with Api.public_route, never by leaving roles out

    @property
    def body(self) -> type[BaseModel] | None:
        return resolve_model(self.body_ref)

    @property
    def query(self) -> type[BaseModel] | None:
        return resolve_model(self.query_ref)

    @property
    def path_model(self) -> type[BaseModel] | None:
        return resolve_model(self.path_ref)

    @property
    def response(self) -> type[BaseModel] | None:
        return resolve_model(self.response_ref)


class LazyModule:
    """A module imported on first attribute access (handlers of rarely used routes name their models so)."""

    def __init__(self, name: str):
        self.__name = name
        self.__module: Any = None

    def __getattr__(self, attribute: str) -> Any:
        if self.__module is None:
            import importlib

            self.__module = importlib.import_module(self.__name)
        return getattr(self.__module, attribute)


def resolve_model(ref: ModelRef) -> type[BaseModel] | None:
    if ref is None or isinstance(ref, type):
        return ref
    import importlib

    module, _, name = ref.partition(":")
    return getattr(importlib.import_module(module), name)


@dataclass
class RequestContext:
    principal: Principal
    correlation_id: str
    request_id: str
    client: str = ""  # the caller's address as the gateway saw it (rate limits of public routes)
    accepts_html: bool = False
    body: Any = None
    query: Any = None
    path: dict[str, str] = field(default_factory=dict)


class Api:
    def __init__(self, area: str, title: str, description: str = ""):
        self.area = area
        self.title = title
        self.description = description
        self.app = Chalice(app_name=f"hpf-{area}")
        # Our Logger writes JSON; chalice's own would duplicate lines. Chalice names its logger after the app —
        # "hpf-<area>", the very name of ours — so disabling it in place silenced every error this app logged.
        self.app.log = logging.getLogger(f"hpf-{area}.chalice")
        self.app.log.disabled = True
        self.routes: list[RouteSpec] = []
        self.logger = get_logger(f"hpf-{area}")
        self.route("/openapi.json", roles=ANY_AUTHENTICATED, summary="本服务的 OpenAPI 文档")(self._openapi)

    # -- declaring routes ----------------------------------------------------------------------------------
    def route(self, path: str, *, roles: frozenset[Role] | set[Role], summary: str, method: str = "GET",
              body: ModelRef = None, query: ModelRef = None, path_model: ModelRef = None,
              response: ModelRef = None, status: int = 200) -> Callable:
        if not roles:
            raise ValueError(f"route {method} {path} names no roles: every route must grant access explicitly")
        method = method.upper()
        names = set(re.findall(r"{(\w+)}", path))
        if names and path_model is None:
            raise ValueError(f"route {method} {path} needs a path_model with the fields {sorted(names)}")
        if isinstance(path_model, type) and set(path_model.model_fields) != names:
            raise ValueError(f"route {method} {path} needs a path_model with exactly the fields {sorted(names)}")

        def decorator(handler: Callable[..., Any]) -> Callable[..., Any]:
            spec = RouteSpec(path=path, method=method, roles=frozenset(roles), summary=summary,
                             handler_name=handler.__name__, body_ref=body, query_ref=query, path_ref=path_model,
                             response_ref=response, status=status, tags=(self.area,))
            self.routes.append(spec)

            def view(**path_params: str) -> Response:
                return self._handle(spec, handler, path_params)

            view.__name__ = f"{handler.__name__}_{method.lower()}"
            self.app.route(path, methods=[method], content_types=_CONTENT_TYPES,
                           name=view.__name__)(view)
            return handler

        return decorator

    def public_route(self, path: str, *, summary: str, query: ModelRef = None, path_model: ModelRef = None,
                     response: ModelRef = None) -> Callable:
        """A GET anyone may call without an account — the one such route is the voucher QR check, which a bank
        clerk, a landlord or a court scans. Its handler must limit its rate and record each call itself; the
        route answers JSON, or HTML when a browser asks (the handler returns a Response for that)."""
        names = set(re.findall(r"{(\w+)}", path))
        if names and path_model is None:
            raise ValueError(f"public route {path} needs a path_model with the fields {sorted(names)}")

        def decorator(handler: Callable[..., Any]) -> Callable[..., Any]:
            spec = RouteSpec(path=path, method="GET", roles=frozenset(), summary=summary,
                             handler_name=handler.__name__, query_ref=query, path_ref=path_model,
                             response_ref=response, tags=(self.area,), public=True)
            self.routes.append(spec)

            def view(**path_params: str) -> Response:
                return self._handle(spec, handler, path_params)

            view.__name__ = f"{handler.__name__}_get"
            self.app.route(path, methods=["GET"], content_types=_CONTENT_TYPES, name=view.__name__)(view)
            return handler

        return decorator

    # -- the function's entry behind API Gateway ----------------------------------------------------------
    def lambda_handler(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        """Entry of the area's API function. Each area has one REST API whose greedy proxy resource
        (``/{proxy+}``) sends every request here; this finds the route the path names — what API Gateway
        would do with one resource per route — and lets Chalice answer. One template resource per area
        instead of one per route keeps infra/ the single, hand-readable source."""
        resource = event.get("resource") or ""
        if "{proxy+}" in resource:
            resolved = self._resolve_proxy(event)
            if resolved is None:
                return {"statusCode": 404, "headers": {"Content-Type": "application/json; charset=utf-8"},
                        "body": json.dumps({"code": "ROUTE_NOT_FOUND", "message": "请求的接口不存在"},
                                           ensure_ascii=False)}
            event = resolved
        return self.app(event, context)

    def _resolve_proxy(self, event: dict[str, Any]) -> dict[str, Any] | None:
        path = "/" + ((event.get("pathParameters") or {}).get("proxy") or "")
        match = _match_route(sorted(self.app.routes), path.rstrip("/") or "/")
        if match is None:
            return None
        route, captured = match
        context = {**(event.get("requestContext") or {}), "resourcePath": route}
        return {**event, "resource": route, "requestContext": context, "pathParameters": captured or None}

    # -- handling one request ------------------------------------------------------------------------------
    def _handle(self, spec: RouteSpec, handler: Callable[..., Any], path_params: dict[str, str]) -> Response:
        try:
            return self._answer(spec, handler, path_params)
        except Exception:
            # Something failed outside the handler's own error mapping (the response's serialisation, the trail):
            # Chalice would answer 500 with its own logger, which is off. Logged and counted here instead.
            self._unexpected(spec)
            return _json_response(_INTERNAL, 500, self.logger.get_correlation_id() or "")

    def _unexpected(self, spec: RouteSpec) -> None:
        """Every unexpected error: logged once with its traceback and correlation id, and counted in the metric
        the template's alarm watches (HPF/UnhandledErrors)."""
        self.logger.exception("unhandled error", extra={"route": f"{spec.method} {spec.path}"})
        _count("UnhandledErrors")

    def _answer(self, spec: RouteSpec, handler: Callable[..., Any], path_params: dict[str, str]) -> Response:
        request = self.app.current_request
        if request is None:  # Chalice sets it before calling a view; a view is never called without one
            raise RuntimeError("no current request")
        headers = {k.lower(): v for k, v in (request.headers or {}).items()}
        request_id = (request.context or {}).get("requestId") or uuid.uuid4().hex
        correlation_id = set_correlation_id(headers.get(HEADER) or request_id)
        self.logger.set_correlation_id(correlation_id)
        principal: Principal | None = None
        status = 500  # until the handler answers
        error_code: str | None = "INTERNAL_ERROR"
        try:
            principal = PUBLIC_PRINCIPAL if spec.public else self._authenticate(headers)
            if not spec.public and not principal.has_any(spec.roles):
                raise Forbidden("当前角色无权办理此业务", code="FORBIDDEN_ROLE")
            if spec.method in STATE_CHANGING:
                self._accept_operation(spec, principal, path_params, request_id, correlation_id)
            _validate_path(spec.path_model, path_params)
            ctx = RequestContext(
                principal=principal, correlation_id=correlation_id, request_id=request_id, path=path_params,
                client=((request.context or {}).get("identity") or {}).get("sourceIp") or "unknown",
                accepts_html="text/html" in headers.get("accept", ""),
                query=_validate_query(spec.query, request.query_params),
                body=_validate_body(spec.body, request.raw_body),
            )
            result = handler(ctx, **path_params)
            status, error_code = spec.status, None
            if isinstance(result, Response):  # a page (the public QR check answers a browser with HTML)
                result.headers["X-Correlation-Id"] = correlation_id
                return result
            return _json_response(_dump(result), status, correlation_id)
        except HpfError as error:
            error = _as_seen_by(principal, error)
            status, error_code = error.status, error.code
            self.logger.info("request refused", extra={"code": error.code, "status": error.status,
                                                       "route": f"{spec.method} {spec.path}"})
            return _json_response(error.to_body(), error.status, correlation_id)
        except Exception:
            self._unexpected(spec)
            return _json_response(_INTERNAL, 500, correlation_id)
        finally:
            if spec.method in STATE_CHANGING and principal is not None and error_code != _TRAIL_DOWN:
                self._record_operation(spec, principal, path_params, status, error_code, request_id, correlation_id)

    def _authenticate(self, headers: dict[str, str]) -> Principal:
        authorization = headers.get("authorization", "")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("请先登录（缺少 Bearer 令牌）", code="TOKEN_MISSING")
        return bootstrap.token_verifier().verify(token.strip())

    def _accept_operation(self, spec: RouteSpec, principal: Principal, path_params: dict[str, str], request_id: str,
                          correlation_id: str) -> None:
        """Write-ahead: no change without its trail. Any failure of the store refuses the request."""
        from hpf.platform.operations import ACCEPTED

        try:
            bootstrap.operation_log().append(
                self._operation(spec, principal, path_params, 0, None, request_id, correlation_id, ACCEPTED))
        except Exception:
            self.logger.exception("operation record not written: request refused", extra={"record_id": request_id})
            _count("OperationRecordRefusals")
            raise TransientFailure("操作留痕暂时无法记录，业务未办理，请稍后重试", code=_TRAIL_DOWN) from None

    def _record_operation(self, spec: RouteSpec, principal: Principal, path_params: dict[str, str], status: int,
                          error_code: str | None, request_id: str, correlation_id: str) -> None:
        record = self._operation(spec, principal, path_params, status, error_code, request_id, correlation_id)
        try:
            bootstrap.operation_log().append(record)
        except Exception:
            # The change stands and its accepted record with it; the missing outcome is an incident to see.
            self.logger.exception("operation outcome not written", extra={"record_id": request_id})
            _count("OperationOutcomesMissing")

    def _operation(self, spec: RouteSpec, principal: Principal, path_params: dict[str, str], status: int,
                   error_code: str | None, request_id: str, correlation_id: str, phase: str = "completed") -> Any:
        from hpf.platform.operations import OperationRecord

        return OperationRecord(
            record_id=request_id, at=datetime.now(SHANGHAI), subject=principal.subject,
            subject_name=principal.name, roles=tuple(sorted(principal.roles)), org=principal.org,
            channel=principal.channel.value, area=self.area, action=f"{spec.method} {spec.path}",
            target=",".join(f"{k}={v}" for k, v in sorted(path_params.items())), outcome=status,
            error_code=error_code, correlation_id=correlation_id, phase=phase,
        )

    # -- OpenAPI -------------------------------------------------------------------------------------------
    def _openapi(self, ctx: RequestContext) -> dict[str, Any]:
        from hpf.web.openapi import build_openapi

        return build_openapi(self)


def _as_seen_by(principal: Principal | None, error: HpfError) -> HpfError:
    """Someone outside the center — a depositor, a unit's agent, a developer, a partner — never learns whether a
    thing they may not see exists: "not found" answers exactly as "not yours" does. (Staff are told apart: they
    need to know a number is wrong, and their own office's scope is no secret to them.)"""
    if principal is None or principal.is_staff:
        return error
    if isinstance(error, NotFound) or (isinstance(error, Forbidden) and error.code == _OUT_OF_SCOPE):
        return Forbidden("无权查看或办理该业务（记录不存在或不属于您）", code=_OUT_OF_SCOPE)
    return error


_OUT_OF_SCOPE = "FORBIDDEN_SCOPE"


_TRAIL_DOWN = "OPERATION_RECORD_UNAVAILABLE"
_INTERNAL = {"code": "INTERNAL_ERROR", "message": "系统内部错误，请稍后重试或联系管理员"}


def _count(metric: str) -> None:
    from hpf.observability.metrics import count

    try:
        count(metric)
    except Exception:  # a metric must never turn an answer into a failure
        pass


def _match_route(routes: list[str], path: str) -> tuple[str, dict[str, str]] | None:
    """The route template a concrete path names; literal segments win over parameters, as in API Gateway
    (sorted order puts '/units/x' before '/units/{id}'). Not chalice.local's matcher: it costs 30 ms to import."""
    parts = path.split("/")
    for route in routes:
        template = route.split("/")
        if len(template) != len(parts):
            continue
        captured: dict[str, str] = {}
        for given, expected in zip(parts, template, strict=True):
            if expected.startswith("{") and expected.endswith("}"):
                captured[expected[1:-1]] = given
            elif given != expected:
                break
        else:
            return route, captured
    return None


def _validate_path(model: type[BaseModel] | None, params: dict[str, str]) -> None:
    if model is None:
        return
    try:
        model.model_validate(params)
    except ValidationError as exc:
        raise ValidationFailed("路径参数格式不正确", code="INVALID_PATH", details=_errors(exc)) from None


def _validate_query(model: type[BaseModel] | None, params: Mapping[str, str] | None) -> Any:
    if model is None:
        return None
    try:
        return model.model_validate(dict(params or {}))
    except ValidationError as exc:
        raise ValidationFailed("查询参数校验未通过", code="INVALID_QUERY", details=_errors(exc)) from None


def _validate_body(model: type[BaseModel] | None, raw: bytes | str | None) -> Any:
    if model is None:
        return None
    if not raw:
        raise ValidationFailed("请求体不能为空", code="BODY_REQUIRED")
    try:
        json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ValidationFailed("请求体不是合法的JSON", code="MALFORMED_JSON") from None
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        raise ValidationFailed("请求参数校验未通过", code="VALIDATION_FAILED", details=_errors(exc)) from None


def _errors(exc: ValidationError) -> list[dict[str, str]]:
    return [{"field": ".".join(str(p) for p in e["loc"]), "type": e["type"], "message": e["msg"]}
            for e in exc.errors(include_url=False, include_input=False)]


def _dump(result: Any) -> Any:
    if isinstance(result, BaseModel):
        return result.model_dump(mode="json")
    return result


def _json_response(body: Any, status: int, correlation_id: str) -> Response:
    return Response(
        body=json.dumps(body, ensure_ascii=False, default=str),
        status_code=status,
        headers={"Content-Type": "application/json; charset=utf-8", "X-Correlation-Id": correlation_id},
    )
