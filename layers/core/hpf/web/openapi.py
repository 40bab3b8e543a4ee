"""OpenAPI 3.1 documents generated from the pydantic models the routes declare (Chalice's has no schemas)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from hpf.web.schemas import ErrorBody

if TYPE_CHECKING:
    from hpf.web.api import Api

_REF = "#/components/schemas/{model}"
_ERRORS = {"400": "请求参数有误", "401": "未登录或令牌无效", "403": "角色或数据范围无权访问",
           "404": "记录不存在", "409": "与当前状态冲突", "422": "不符合业务规则"}


def build_openapi(api: Api) -> dict[str, Any]:
    # A request body is described as it is read (validation: an amount may come as a number or a string), an
    # answer as it is written (serialization: an amount is always a string of yuan): the front ends' generated
    # types then say "string" where the platform sends one, and no page is tempted into float arithmetic.
    wanted: set[tuple[type[BaseModel], JsonSchemaMode]] = {(ErrorBody, "serialization")}
    for spec in api.routes:
        if spec.body is not None:
            wanted.add((spec.body, "validation"))
        if spec.response is not None:
            wanted.add((spec.response, "serialization"))
    ordered = sorted(wanted, key=lambda pair: (pair[0].__name__, pair[1]))
    keys, defs = models_json_schema(ordered, ref_template=_REF)
    schemas = defs.get("$defs", {})

    def ref(model: type[BaseModel], mode: JsonSchemaMode = "serialization") -> dict[str, Any]:
        return keys[(model, mode)]

    paths: dict[str, dict[str, Any]] = {}
    for spec in api.routes:
        operation: dict[str, Any] = {
            "operationId": f"{spec.handler_name}_{spec.method.lower()}",
            "summary": spec.summary,
            "tags": list(spec.tags),
            "security": [] if spec.public else [{"bearer": []}],
            "x-roles": ["public"] if spec.public else sorted(spec.roles),
            "parameters": _parameters(spec.path_model, "path") + _parameters(spec.query, "query"),
            "responses": {
                str(spec.status): {
                    "description": "成功",
                    "content": {"application/json": {"schema": ref(spec.response) if spec.response else {}}},
                },
                **{code: {"description": text, "content": {"application/json": {"schema": ref(ErrorBody)}}}
                   for code, text in _ERRORS.items()},
            },
        }
        if spec.body is not None:
            operation["requestBody"] = {"required": True,
                                        "content": {"application/json": {"schema": ref(spec.body, "validation")}}}
        paths.setdefault(spec.path, {})[spec.method.lower()] = operation

    return {
        "openapi": "3.1.0",
        "info": {"title": api.title, "version": "1.0.0", "description": api.description},
        "servers": [{"url": f"/{api.area}"}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
    }


def _parameters(model: type[BaseModel] | None, location: str) -> list[dict[str, Any]]:
    if model is None:
        return []
    schema = model.model_json_schema(ref_template=_REF)
    required = set(schema.get("required", []))
    return [
        {"name": name, "in": location, "required": location == "path" or name in required,
         "description": prop.get("description", ""),
         "schema": {k: v for k, v in prop.items() if k not in {"title", "description"}}}
        for name, prop in schema.get("properties", {}).items()
    ]
