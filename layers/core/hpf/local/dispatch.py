"""Running our real Lambda handlers in process, for the embedded endpoint and the local event sources.

moto's docker-less Lambda backend only echoes its input. ``install`` replaces its ``invoke`` with a dispatch to
the function's handler, found from the template's Code path and Handler. An exception comes back the way
Lambda reports it (``x-amz-function-error`` and ``errorType``/``errorMessage``), so a state machine's Retry
and Catch see the error's class name.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from hpf.local.template import FunctionSource

_modules: dict[Path, ModuleType] = {}
_modules_lock = threading.Lock()


def load_app_module(code_dir: Path) -> ModuleType:
    """Import functions/<area>/app.py under a unique module name (every Chalice project calls it ``app``)."""
    code_dir = code_dir.resolve()
    with _modules_lock:
        if code_dir not in _modules:
            name = f"hpf_function_{code_dir.name}"
            spec = importlib.util.spec_from_file_location(name, code_dir / "app.py")
            if spec is None or spec.loader is None:
                raise ImportError(f"cannot load {code_dir / 'app.py'}")
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            spec.loader.exec_module(module)
            _modules[code_dir] = module
        return _modules[code_dir]


class LambdaContext:
    """The parts of Lambda's context object our handlers and powertools read."""

    def __init__(self, function_name: str, timeout_seconds: int = 900, memory_mb: int = 512):
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{function_name}"
        self.memory_limit_in_mb = memory_mb
        self.aws_request_id = uuid.uuid4().hex
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "local"
        self._deadline = time.monotonic() + timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(int((self._deadline - time.monotonic()) * 1000), 0)


class FunctionRegistry:
    def __init__(self) -> None:
        self._functions: dict[str, tuple[FunctionSource, Callable[..., Any]]] = {}

    def register(self, physical_name: str, source: FunctionSource) -> None:
        module_attr = source.handler.split(".", 1)
        module = load_app_module(source.code_dir)
        handler = getattr(module, module_attr[1])
        self._functions[physical_name] = (source, handler)

    def names(self) -> list[str]:
        return sorted(self._functions)

    def invoke(self, name_or_arn: str, event: Any) -> Any:
        name = name_or_arn.split(":function:")[-1].split(":")[0]
        if name not in self._functions:
            raise LookupError(f"no local function named {name}")
        _, handler = self._functions[name]
        return handler(event, LambdaContext(name))


def install(registry: FunctionRegistry) -> None:
    from moto.awslambda_simple.models import LambdaSimpleBackend

    def invoke(self: Any, function_name: str, qualifier: str | None, body: Any, headers: Any,
               response_headers: Any) -> bytes:
        event = json.loads(body) if body else {}
        try:
            result = registry.invoke(function_name, event)
        except Exception as exc:  # reported as Lambda reports an unhandled error
            response_headers["x-amz-function-error"] = "Unhandled"
            return json.dumps({"errorType": type(exc).__name__, "errorMessage": str(exc)},
                              ensure_ascii=False).encode()
        return json.dumps(result, ensure_ascii=False, default=str).encode()

    LambdaSimpleBackend.invoke = invoke  # type: ignore[method-assign]
