"""Imports every built-in section so that each registers itself."""

from fundflow.sections import (  # noqa: F401
    broad_indices, major_assets, sino_us_tech, style_seesaw, sw_industries, tech_themes,
)
