"""Import aiogram with its Telegram models built on first use instead of all at import.

Contract of `import_aiogram`: call it before anything imports aiogram (the composition
root does, for the roles that talk to Telegram). It imports aiogram with the same classes
and the same validation; what changes is when pydantic builds each model's validator.
Called after aiogram is already imported it does nothing.

Why: aiogram's types are declared with ``defer_build=True``, but ``aiogram.types`` then
calls ``model_rebuild`` on every one of its ~290 types at import, which builds them all,
and the ~300 API methods, built on top, inline the whole type tree each. That is about
105 MB of validators in a process that sends a handful of methods and reads one
``Update``. Here the import-time rebuild is held back and the namespace aiogram passed
to it is given to every model instead, so the first use of a model (pydantic's own
deferred-build path) resolves the same names aiogram's rebuild would have.
"""

from __future__ import annotations

import sys
from typing import Any

from pydantic import BaseModel

_AIOGRAM_MODEL_MODULES = ("aiogram.types", "aiogram.methods")


def import_aiogram() -> None:
    """Import aiogram, its models left to build on first use; see the module docstring."""
    if "aiogram" in sys.modules:
        return
    namespace: dict[str, Any] = {}
    rebuild = BaseModel.__dict__["model_rebuild"]

    def hold(_cls: type[BaseModel], /, **options: Any) -> bool | None:
        namespace.update(options.get("_types_namespace") or {})
        return None

    BaseModel.model_rebuild = classmethod(hold)  # type: ignore[method-assign, assignment]
    try:
        import aiogram  # noqa: F401, PLC0415 -- the import this function exists for
    finally:
        BaseModel.model_rebuild = rebuild  # type: ignore[method-assign]
    for module_name in _AIOGRAM_MODEL_MODULES:
        module = sys.modules[module_name]
        for name in module.__all__:
            model = getattr(module, name)
            if isinstance(model, type) and issubclass(model, BaseModel):
                # Read by pydantic's model_rebuild when the model is first used.
                model.__pydantic_parent_namespace__ = namespace
