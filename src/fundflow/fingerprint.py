"""Stable digests of Python values, the keys of the chart and compute caches.

``Fingerprinter.digest`` covers values by content: scalars, dates, enums, pandas frames,
series and indexes (pandas hashing of the values plus dtypes, names and index), numpy arrays,
containers, pydantic models (their JSON), dataclasses and fundflow objects (their state and
class), and functions (code, defaults, captured values and, recursively, the fundflow
functions and module constants they use by name). Third-party functions and classes are
identified by module, name and library version, not by their code. Anything else raises
``Uncacheable``: a value that cannot be fingerprinted is never cached, never wrongly reused.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import enum
import functools
import hashlib
import logging
import types
from pathlib import Path, PurePath
from typing import Any

import numpy as np
import pandas as pd

_MAX_DEPTH = 40


class Uncacheable(Exception):
    """The closure holds something that cannot be fingerprinted reliably."""


# -- fingerprints ---------------------------------------------------------------------------------
class Fingerprinter:
    """Stable digests of Python values. One instance may be shared across the charts of a
    build: digests are memoised by object id, and the objects are kept alive meanwhile so an id
    cannot be reused by another object while the memo exists."""

    def __init__(self) -> None:
        self._memo: dict[int, bytes] = {}
        self._alive: list[Any] = []
        self._active: set[int] = set()

    def digest(self, obj: Any, depth: int = 0) -> bytes:
        if depth > _MAX_DEPTH:
            raise Uncacheable(f"object nested more than {_MAX_DEPTH} levels deep")
        # immutable scalars are cheap: no memo (small ints and strs share ids anyway)
        if obj is None or isinstance(obj, (bool, int, float, complex, str, bytes)):
            return h(type(obj).__name__.encode(), repr(obj).encode())
        key = id(obj)
        if key in self._memo:
            return self._memo[key]
        if key in self._active:  # a reference cycle: mark it, deterministically
            return h(b"cycle", type(obj).__qualname__.encode())
        self._active.add(key)
        try:
            d = self._digest(obj, depth + 1)
        finally:
            self._active.discard(key)
        self._memo[key] = d
        self._alive.append(obj)
        return d

    # the per-type rules
    def _digest(self, obj: Any, depth: int) -> bytes:  # noqa: C901 - one flat type switch
        tname = f"{type(obj).__module__}.{type(obj).__qualname__}".encode()
        if isinstance(obj, (dt.date, dt.time, dt.timedelta, decimal.Decimal, PurePath,
                            pd.Timestamp, pd.Timedelta, np.generic)):
            return h(tname, repr(obj).encode())
        if isinstance(obj, enum.Enum):
            return h(tname, repr(obj.value).encode(), obj.name.encode())
        if isinstance(obj, pd.DataFrame):
            return h(tname, self.digest(list(map(str, obj.columns)), depth),
                      str(list(obj.dtypes)).encode(), self._index(obj.index, depth),
                      _hash_pandas(obj))
        if isinstance(obj, pd.Series):
            return h(tname, str(obj.name).encode(), str(obj.dtype).encode(),
                      self._index(obj.index, depth), _hash_pandas(obj))
        if isinstance(obj, pd.Index):
            return self._index(obj, depth)
        if isinstance(obj, np.ndarray):
            if obj.dtype.hasobject:
                return h(tname, str(obj.shape).encode(), self.digest(obj.tolist(), depth))
            return h(tname, obj.dtype.str.encode(), str(obj.shape).encode(),
                      np.ascontiguousarray(obj).tobytes())
        if isinstance(obj, (list, tuple)):
            return h(tname, *(self.digest(x, depth) for x in obj))
        if isinstance(obj, (set, frozenset)):
            return h(tname, *sorted(self.digest(x, depth) for x in obj))
        if isinstance(obj, dict) or type(obj).__name__ == "mappingproxy":
            items = sorted((self.digest(k, depth), self.digest(v, depth)) for k, v in obj.items())
            return h(tname, *(a + b for a, b in items))
        if isinstance(obj, types.FunctionType):
            return self._function(obj, depth)
        if isinstance(obj, types.MethodType):
            return h(tname, self.digest(obj.__self__, depth), self.digest(obj.__func__, depth))
        if isinstance(obj, functools.partial):
            return h(tname, self.digest(obj.func, depth), self.digest(obj.args, depth),
                      self.digest(obj.keywords, depth))
        if callable(obj) and isinstance(getattr(obj, "__wrapped__", None), types.FunctionType):
            # functools.lru_cache / wraps: the wrapped function decides the result
            return h(tname, self.digest(obj.__wrapped__, depth))
        if isinstance(obj, types.CodeType):
            return self._code(obj, depth)
        if isinstance(obj, types.ModuleType):
            return h(tname, obj.__name__.encode(), module_version(obj.__name__))
        if isinstance(obj, (types.BuiltinFunctionType, type)) and not _is_ours(obj):
            mod = getattr(obj, "__module__", None) or ""
            return h(tname, mod.encode(), getattr(obj, "__qualname__", "").encode(),
                      module_version(mod))
        if isinstance(obj, type):  # a fundflow class: its methods' code and class attributes
            attrs = {k: v for k, v in vars(obj).items() if not k.startswith("__")}
            return h(tname, obj.__module__.encode(), obj.__qualname__.encode(),
                      self.digest(attrs, depth))
        if isinstance(obj, logging.Logger):
            return h(tname, obj.name.encode())
        if isinstance(obj, (property, staticmethod, classmethod)):
            parts = [getattr(obj, a, None) for a in ("fget", "fset", "__func__")]
            return h(tname, self.digest(parts, depth))
        if hasattr(obj, "model_dump_json") and hasattr(type(obj), "model_fields"):
            # a pydantic model (section params, a config block): its type and its values
            return h(tname, obj.model_dump_json().encode())
        if _is_ours(type(obj)) or dataclasses.is_dataclass(obj):
            return h(tname, self.digest(type(obj), depth), self._state(obj, depth))
        raise Uncacheable(f"cannot fingerprint a {type(obj).__module__}."
                          f"{type(obj).__qualname__}")

    def _state(self, obj: Any, depth: int) -> bytes:
        state: dict[str, Any] = {}
        if hasattr(obj, "__dict__"):
            state.update(vars(obj))
        for cls in type(obj).__mro__:
            for slot in getattr(cls, "__slots__", ()):
                if isinstance(slot, str) and hasattr(obj, slot) and slot != "__dict__":
                    state[slot] = getattr(obj, slot)
        return self.digest(state, depth)

    def _index(self, idx: pd.Index, depth: int) -> bytes:
        return h(b"index", str(idx.dtype).encode(), str(list(idx.names)).encode(),
                  _hash_pandas(idx) if len(idx) else b"")

    def _code(self, code: types.CodeType, depth: int) -> bytes:
        # bytecode, constants (nested code included), names; not file names or line numbers,
        # so a comment or a move of the function does not invalidate the cache
        return h(b"code", code.co_code, self.digest(code.co_consts, depth),
                  "\0".join(code.co_names + code.co_varnames + code.co_freevars).encode())

    def _function(self, fn: types.FunctionType, depth: int) -> bytes:
        parts = [fn.__module__.encode() if fn.__module__ else b"", fn.__qualname__.encode(),
                 self._code(fn.__code__, depth), self.digest(fn.__defaults__, depth),
                 self.digest(fn.__kwdefaults__, depth)]
        for cell in fn.__closure__ or ():
            try:
                parts.append(self.digest(cell.cell_contents, depth))
            except ValueError:  # an empty cell (a name assigned after the closure was made)
                parts.append(b"empty-cell")
        # globals the code uses by name: what it calls (recursively for fundflow functions),
        # module constants it reads
        g = fn.__globals__
        for name in sorted(_global_names(fn.__code__)):
            if name in g:
                parts.append(name.encode() + self.digest(g[name], depth))
        return h(b"function", *parts)


def h(*parts: bytes) -> bytes:
    """SHA-256 over length-prefixed parts (so parts cannot run into each other)."""
    h = hashlib.sha256()
    for p in parts:
        h.update(len(p).to_bytes(8, "little"))
        h.update(p)
    return h.digest()


def _hash_pandas(obj: pd.DataFrame | pd.Series | pd.Index) -> bytes:
    try:
        return pd.util.hash_pandas_object(obj, index=False, categorize=True).to_numpy().tobytes()
    except TypeError as exc:  # unhashable cells (lists, dicts) in an object column
        raise Uncacheable(f"frame with unhashable values: {exc}") from exc


def _global_names(code: types.CodeType) -> set[str]:
    names = set(code.co_names)
    for c in code.co_consts:
        if isinstance(c, types.CodeType):
            names |= _global_names(c)
    return names


def _is_ours(obj: Any) -> bool:
    mod = getattr(obj, "__module__", None) or ""
    return mod == "fundflow" or mod.startswith("fundflow.")


# import name -> distribution name, where they differ
_DISTRIBUTIONS = {"PIL": "pillow", "yaml": "PyYAML", "dateutil": "python-dateutil"}


@functools.lru_cache(maxsize=64)
def module_version(module: str) -> bytes:
    """The installed version of the distribution that provides ``module`` (b'' if none)."""
    import importlib.metadata as md

    top = module.split(".", 1)[0]
    if not top or top in ("builtins", "fundflow"):
        return b""
    try:
        return md.version(_DISTRIBUTIONS.get(top, top)).encode()
    except md.PackageNotFoundError:
        return b""


def sources_digest(folder: Path, pattern: str) -> bytes:
    """Digest of the files under ``folder`` matching ``pattern`` (relative names and bytes)."""
    return h(*(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes()
               for path in sorted(folder.glob(pattern))))
