"""The one exception tree of fundflow.

FundflowError
 ├── ConfigError          config.yaml or a CLI argument is wrong (names the key path)
 ├── CalendarError        a week cannot be resolved to trading sessions
 ├── DataError            data is missing or wrong
 │    ├── SourceError     a data source failed (network, upstream change)
 │    ├── SchemaError     a frame does not match its declared dataset schema
 │    └── StoreError      the local store cannot be opened, read or written
 ├── SectionError         a report section failed to compute (names the section)
 ├── RenderError          HTML/PDF/chart rendering failed
 ├── ManifestError        a report folder's manifest.json is missing or damaged (names the file)
 └── DeliveryError        sending the report failed

Every error carries a one-line message fit for the CLI; the cause is chained with ``from``.
"""

from __future__ import annotations


class FundflowError(Exception):
    """Base of every error fundflow raises on purpose."""


class ConfigError(FundflowError):
    def __init__(self, message: str, *, key: str | None = None) -> None:
        super().__init__(message)
        self.key = key


class CalendarError(FundflowError):
    pass


class DataError(FundflowError):
    def __init__(self, message: str, *, dataset: str | None = None) -> None:
        super().__init__(message)
        self.dataset = dataset


class SourceError(DataError):
    pass


class SchemaError(DataError):
    pass


class StoreError(DataError):
    pass


class SectionError(FundflowError):
    def __init__(self, message: str, *, section: str | None = None) -> None:
        super().__init__(message)
        self.section = section


class RenderError(FundflowError):
    pass


class ManifestError(FundflowError):
    def __init__(self, message: str, *, path: object = None) -> None:
        super().__init__(message)
        self.path = path


class DeliveryError(FundflowError):
    pass


__all__ = [
    "FundflowError", "ConfigError", "CalendarError", "DataError", "SourceError", "SchemaError",
    "StoreError", "SectionError", "RenderError", "ManifestError", "DeliveryError",
]
