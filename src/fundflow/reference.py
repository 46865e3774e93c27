"""Static reference data from ``seeds/`` (index codes, Shenwan L1, ...), loaded at the edge.

Sections receive a ``Reference`` value; they never read files themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pandas as pd

from fundflow.errors import ConfigError
from fundflow.formatting import clean_text

Lang = Literal["zh", "en"]

_TABLES = {
    "indices": "index_code",
    "sw_l1": "industry_code",
    "global_assets": "asset_code",
    "themes": "theme_id",
    "etfs": "etf_code",
    "enhanced_funds": "fund_code",
    "futures_products": "variety",
}


@dataclass(frozen=True)
class Reference:
    indices: pd.DataFrame   # index_code, name_zh, name_en, publisher, role
    sw_l1: pd.DataFrame     # industry_code, name_zh, name_en, class_prefix
    global_assets: pd.DataFrame  # asset_code, name_zh, name_en, asset_class, kind, unit, ...
    themes: pd.DataFrame    # theme_id, name_zh, name_en, board_code, board_name
    etfs: pd.DataFrame      # etf_code, name_zh, tracks_index, category, exchange
    enhanced_funds: pd.DataFrame  # fund_code, fund_name, benchmark_index, is_quant
    futures_products: pd.DataFrame  # variety, underlying_index, multiplier, listed_since

    def __post_init__(self) -> None:
        # code -> (name_zh, name_en), first row wins: names are looked up hundreds of times
        # per build, and a filter of the frame per lookup cost ~1 ms each
        names = {}
        for table, key in (("indices", "index_code"), ("sw_l1", "industry_code"),
                           ("global_assets", "asset_code"), ("themes", "theme_id")):
            frame = getattr(self, table)
            d: dict[str, tuple[str, str]] = {}
            if {"name_zh", "name_en"} <= set(frame.columns):
                for code, zh, en in zip(frame[key], frame["name_zh"], frame["name_en"]):
                    d.setdefault(code, (str(zh), str(en)))
            names[table] = d
        object.__setattr__(self, "_names", names)

    def index_name(self, code: str, lang: Lang) -> str:
        return self._name("indices", code, lang)

    def industry_name(self, code: str, lang: Lang) -> str:
        return self._name("sw_l1", code, lang)

    def asset_name(self, code: str, lang: Lang) -> str:
        return self._name("global_assets", code, lang)

    def theme_name(self, theme_id: str, lang: Lang) -> str:
        return self._name("themes", theme_id, lang)

    def _name(self, table: str, code: str, lang: Lang) -> str:
        hit = self._names[table].get(code)   # type: ignore[attr-defined]
        if hit is None:
            return code
        return hit[0] if lang == "zh" else hit[1]

    def asset(self, code: str) -> dict[str, str] | None:
        hit = self.global_assets.loc[self.global_assets["asset_code"] == code]
        return None if hit.empty else {k: str(v) for k, v in hit.iloc[0].items()}

    def theme(self, theme_id: str) -> dict[str, str] | None:
        hit = self.themes.loc[self.themes["theme_id"] == theme_id]
        return None if hit.empty else {k: str(v) for k, v in hit.iloc[0].items()}

    def known_index_codes(self) -> list[str]:
        return list(self.indices["index_code"])


def load_reference(seeds_dir: Path) -> Reference:
    frames: dict[str, pd.DataFrame] = {}
    for name, key in _TABLES.items():
        path = seeds_dir / f"{name}.csv"
        try:
            frames[name] = pd.read_csv(path, dtype=str, keep_default_na=False).map(clean_text)
        except FileNotFoundError:
            raise ConfigError(f"reference table missing: {path} (data.seeds_dir)") from None
        if key not in frames[name].columns:
            raise ConfigError(f"reference table {path} has no column {key!r}")
    return Reference(**frames)
