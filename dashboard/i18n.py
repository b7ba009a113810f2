"""One way to say things in Chinese or English, and numbers, units, durations and dates that follow
the configured language (settings.LANGUAGE, `zh` or `en`): a page shows one language only.

- `t(key, language)`: a shell label from LABELS; `say(language, zh, en)` (and `View.zh(zh, en)` in
  panel builders) for a phrase used in one place; `pick(pair, language)` for a (zh, en) tuple from a
  vocabulary table.
- `unit`, `count`, `compact`, `duration`, `weekday`: 件/cases, 12.3万/12.3k, 2小时15分钟/2 h 15 min.
- `plotly_layout(language)` and `plotly_config(language)`: separators, tick formats without SI
  suffixes in Chinese, and Plotly's zh-CN locale (assets/plotly-locale-zh-cn.js), so charts
  never fall back to English month names.
"""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

LABELS = {
    "app.title": ("智慧城管驾驶舱", "Smart City Management Cockpit"),
    "app.subtitle": ("数字城管指挥中心", "Digital city management command centre"),
    "fresh.label": ("数据更新于", "Data updated"),
    "fresh.none": ("暂无案件数据", "No cases yet"),
    "fresh.down": ("数据库不可用", "Database unavailable"),
    "page.down": ("页面暂时无法显示，数据库恢复后刷新即可", "This page cannot be shown now; reload it once the database is back"),
    "ago.now": ("刚刚", "just now"),
    "ago.minutes": ("{n} 分钟前", "{n} min ago"),
    "ago.hours": ("{n} 小时前", "{n} h ago"),
    "ago.days": ("{n} 天前", "{n} days ago"),
    "notfound.title": ("页面不存在", "Page not found"),
    "auth.logout": ("退出", "Log out"),
    "auth.audit": ("审计日志", "Audit log"),
    "role.admin": ("管理员", "Administrator"),
    "role.duty_officer": ("值班员", "Duty officer"),
    "role.leader": ("领导", "Leader"),
    "role.viewer": ("查看者", "Viewer"),
    "role.wall": ("大屏", "Wall screen"),
    "notfound.back": ("返回首页", "Back to the start page"),
    "status.database": ("数据库", "Database"),
    "status.revision": ("迁移版本", "Schema revision"),
    "status.version": ("程序版本", "Version"),
    "status.total": ("案件总数", "Cases"),
    "status.open": ("在办案件", "Open cases"),
    "status.closed": ("已结案", "Closed"),
    "status.newest": ("最新案件", "Newest case"),
    "status.by_status": ("案件状态分布", "Cases by status"),
    "status.by_source": ("案件来源分布", "Cases by source"),
    "status.reference": ("基础数据", "Reference data"),
    "status.meta": ("运行环境与数据集", "Runtime and data set"),
    "status.cache": ("缓存", "Cache"),
    "status.timezone": ("时区", "Time zone"),
    "cache.redis": ("Redis", "Redis"),
    "cache.files": ("文件缓存", "Files"),
    "meta.seed": ("随机种子", "Random seed"),
    "meta.seed_cases": ("生成案件数", "Cases generated"),
    "meta.seeded_at": ("生成时间 (UTC)", "Generated at (UTC)"),
    "meta.demo_city": ("演示城市", "Demo city"),
    "status.no_cases": ("库中还没有案件 (运行 cockpit seed 生成演示数据)", "No cases yet (run cockpit seed for demo data)"),
    "status.unmigrated": ("数据库尚未初始化: 运行 cockpit init-db", "The database is not initialised: run cockpit init-db"),
    "status.down": ("数据库不可用", "Database unavailable"),
    "table.regions": ("镇街", "Towns"),
    "table.communities": ("社区/村", "Communities"),
    "table.grids": ("单元网格", "Unit grids"),
    "table.departments": ("处置部门", "Departments"),
    "table.categories": ("案件小类", "Categories"),
    "table.cameras": ("视频点位", "Cameras"),
    "table.sensors": ("感知设备", "Sensors"),
}


UNITS = {
    "case": ("件", "cases"), "minute": ("分钟", "min"), "hour": ("小时", "h"), "day": ("天", "days"),
    "item": ("个", ""), "percent": ("%", "%"),
}
WEEKDAYS = (("周一", "Mon"), ("周二", "Tue"), ("周三", "Wed"), ("周四", "Thu"), ("周五", "Fri"),
            ("周六", "Sat"), ("周日", "Sun"))
DATE_FORMAT = "%Y-%m-%d"  # the same in both languages: no month names anywhere
DAY_FORMAT = "%m-%d"
PLOTLY_LOCALE = {"zh": "zh-CN", "en": "en-US"}


def say(language: str, zh: str, en: str) -> str:
    """`zh` or `en`, whichever `language` is: a phrase used in one place."""
    return zh if language == "zh" else en


def pick(pair, language: str = "zh") -> str:
    """The entry of a (zh, en, ...) vocabulary tuple for `language`."""
    return pair[0] if language == "zh" else pair[1]


def unit(name: str, language: str = "zh") -> str:
    return pick(UNITS[name], language)


def count(value: int, language: str = "zh", unit_name: str = "case") -> str:
    """12,345 件 / 12,345 cases."""
    word = unit(unit_name, language)
    return f"{number(value)} {word}".strip()


def compact(value: float, language: str = "zh") -> str:
    """A short magnitude: 12.3万 and 1.2亿 in Chinese, 12.3k and 1.2M in English; small values in full."""
    value = float(value)
    steps = ((1e8, "亿"), (1e4, "万")) if language == "zh" else ((1e9, "B"), (1e6, "M"), (1e3, "k"))
    for size, suffix in steps:
        if abs(value) >= size:
            return f"{value / size:.1f}".rstrip("0").rstrip(".") + suffix
    return f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"


def duration(minutes: float | None, language: str = "zh") -> str:
    """3天2小时, 2小时15分钟, 40分钟 / 3 d 2 h, 2 h 15 min, 40 min; days drop the minutes."""
    if minutes is None:
        return ""
    if minutes < 1:
        return say(language, "不足1分钟", "under 1 min")
    days, rest = divmod(int(minutes), 24 * 60)
    hours, mins = divmod(rest, 60)
    if language == "zh":
        return "".join([f"{days}天" if days else "", f"{hours}小时" if hours else "",
                        f"{mins}分钟" if mins and not days else ""])
    return " ".join(part for part in (f"{days} d" if days else "", f"{hours} h" if hours else "",
                                      f"{mins} min" if mins and not days else "") if part)


def weekday(index: int, language: str = "zh") -> str:
    """0 = Monday: 周一 / Mon."""
    return pick(WEEKDAYS[index], language)


def plotly_layout(language: str = "zh") -> dict:
    """Layout keys every chart gets: separators, and in Chinese no k/M suffixes on axes (12,000, not 12k)."""
    axis = {"exponentformat": "none", "separatethousands": True} if language == "zh" else {}
    return {"separators": ".,", "xaxis": dict(axis), "yaxis": dict(axis)}


def plotly_config(language: str = "zh") -> dict:
    """dcc.Graph config keys: Plotly's locale (zh-CN is registered by assets/plotly-locale-zh-cn.js)."""
    return {"locale": PLOTLY_LOCALE.get(language, "en-US")}


def t(key: str, language: str = "zh", **values) -> str:
    """The label for `key` in `language` (zh or en), with {placeholders} filled from `values`."""
    zh, en = LABELS[key]
    text = zh if language == "zh" else en
    return text.format(**values) if values else text


def t_or(key: str, fallback: str, language: str = "zh") -> str:
    """The label for `key`, or `fallback` when there is none."""
    return t(key, language) if key in LABELS else fallback


def to_local(moment: datetime, tz: ZoneInfo) -> datetime:
    """A naive UTC time from the database in the configured zone."""
    return moment.replace(tzinfo=timezone.utc).astimezone(tz)


def local_time(moment: datetime, tz: ZoneInfo, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return to_local(moment, tz).strftime(fmt)


def ago(moment: datetime, now: datetime, language: str = "zh") -> str:
    """How long before `now` (both naive UTC) `moment` was: 刚刚, 5 分钟前, 3 小时前, 2 天前."""
    minutes = int((now - moment).total_seconds() // 60)
    if minutes < 1:
        return t("ago.now", language)
    if minutes < 60:
        return t("ago.minutes", language, n=minutes)
    if minutes < 24 * 60:
        return t("ago.hours", language, n=minutes // 60)
    return t("ago.days", language, n=minutes // (24 * 60))


def number(value: int) -> str:
    return f"{value:,}"
