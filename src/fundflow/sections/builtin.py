"""Imports every built-in section so that each registers itself."""

from fundflow.sections import (  # noqa: F401
    broad_indices, major_assets, sino_us_tech, style_seesaw, sw_industries, tech_themes,
)
from fundflow.sections import main_funds  # noqa: F401,E402  (3.3)
from fundflow.sections import index_futures, quant_funds  # noqa: F401,E402  (3.2)
from fundflow.sections import etf_flows, northbound  # noqa: F401,E402  (3.1 ETF, 3.4)
from fundflow.sections import leverage  # noqa: F401,E402  (3.1 margin trading)
from fundflow.sections import macro_releases, market_temperature  # noqa: F401,E402  (2.0, macro)
