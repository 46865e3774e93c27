"""Fixed report wording in both languages (section text comes from the sections)."""

from __future__ import annotations

from typing import Any

LABELS: dict[str, dict[str, Any]] = {
    "zh": {
        "html_lang": "zh-CN", "sentence_sep": "",
        "report_kind": "资金行为跟踪 · 周报",
        "report_week": "报告周期", "to": "至", "issue_date": "发布日期", "analysts": "分析师",
        "license": "执业证书编号", "sessions_n": "{n}个交易日",
        "core_views": "核心观点", "alerts_title": "预警提示",
        "core_views_placeholder": "核心观点由各章节的数据自动摘录，分析师可在配置中覆盖。",
        "toc": "目录", "exhibit_list": "图表目录", "exhibit": "图表", "colon": "：", "comma": "，",
        "source_prefix": "数据来源：", "as_of": "截至",
        "unavailable": "数据不可用",
        "chapters": {"assets": "资产价格表现", "flows": "资金行为跟踪", "extra": "专题"},
        "risk_title": "风险提示",
        "risk_text": [
            "本报告基于公开数据与模型计算，数据源可能存在延迟、修订或错误；历史表现不代表未来。",
            "主力资金、北向资金等口径为数据供应商定义，不同来源之间不可直接比较；部分指标为替代口径，已在图表与附录中注明。",
            "宏观政策、海外市场及流动性变化可能导致市场风格快速切换，超出本报告的统计范围。",
        ],
        "disclaimer_title": "免责声明",
        "disclaimer": "本报告仅供内部研究参考，不构成任何投资建议。",
        "appendix_title": "数据附录",
        "appendix_intro": "本报告使用的全部数据集、来源、截至日期与缺失情况如下（行数为本报告读取的区间）。",
        "ap_dataset": "数据集", "ap_source": "来源", "ap_as_of": "截至", "ap_rows": "行数",
        "ap_missing": "缺失", "ap_none": "无", "ap_calendar": "交易日历提示",
        "ap_missing_sessions": "本周缺少交易日：{days}",
        "ap_lag": "最新数据早于本周最后交易日",
        "ap_build": "配置文件 {config}（哈希 {hash}），生成于 {built}。",
        "sample_flag": "样本数据 / SAMPLE DATA",
        "sample_notice": "样本数据 / SAMPLE DATA：本报告基于 scripts/make_sample.py 以固定随机种子生成的合成数据，仅用于演示与测试，不反映真实市场。",
        "sample_source": "样本数据（合成，仿{source}）",
        "page_word_before": "第 ", "page_word_after": " 页",
    },
    "en": {
        "html_lang": "en", "sentence_sep": " ",
        "report_kind": "FUND-FLOW TRACKER · WEEKLY",
        "report_week": "Report week", "to": "to", "issue_date": "Issue date",
        "analysts": "Analysts", "license": "Licence no.", "sessions_n": "{n} sessions",
        "core_views": "Core views", "alerts_title": "Alerts",
        "core_views_placeholder": "Core views are drawn from the sections' numbers; analysts may override them in config.",
        "toc": "Contents", "exhibit_list": "List of exhibits", "exhibit": "Exhibit", "colon": ": ",
        "comma": ", ", "source_prefix": "Source: ", "as_of": "as of",
        "unavailable": "Data unavailable",
        "chapters": {"assets": "Asset price performance", "flows": "Fund behaviour tracking",
                     "extra": "Special topics"},
        "risk_title": "Risk disclosure",
        "risk_text": [
            "This report is computed from public data; sources can be late, revised or wrong, and past performance does not predict the future.",
            "Main-fund and northbound figures follow each vendor's own definitions and are not comparable across vendors; proxies are labelled in the exhibits and the appendix.",
            "Policy, overseas markets and liquidity can shift market style quickly, beyond what these statistics capture.",
        ],
        "disclaimer_title": "Disclaimer",
        "disclaimer": "For internal research only. Not investment advice.",
        "appendix_title": "Data appendix",
        "appendix_intro": "Every dataset used in this report, its source, the last date it covers and anything missing (rows = the range read for this report).",
        "ap_dataset": "Dataset", "ap_source": "Source", "ap_as_of": "As of", "ap_rows": "Rows",
        "ap_missing": "Missing", "ap_none": "none", "ap_calendar": "Trading calendar notes",
        "ap_missing_sessions": "sessions missing this week: {days}",
        "ap_lag": "latest data is older than the week's last session",
        "ap_build": "Config {config} (hash {hash}), built {built}.",
        "sample_flag": "样本数据 / SAMPLE DATA",
        "sample_notice": "样本数据 / SAMPLE DATA: this report is built from synthetic data generated with a fixed seed by scripts/make_sample.py, for demonstration and testing only. It does not describe the real market.",
        "sample_source": "sample data (synthetic, shaped like {source})",
        "page_word_before": "Page ", "page_word_after": "",
    },
}


def labels(lang: str) -> dict[str, Any]:
    return LABELS[lang]
