"""Shell labels in Chinese and English, and time formatting in the configured zone."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

LABELS = {
    "app.title": ("智慧城管驾驶舱", "Smart City Management Cockpit"),
    "app.subtitle": ("数字城管指挥中心", "Digital city management command centre"),
    "fresh.label": ("数据更新于", "Data updated"),
    "fresh.none": ("暂无案件数据", "No cases yet"),
    "fresh.down": ("数据库不可用", "Database unavailable"),
    "ago.now": ("刚刚", "just now"),
    "ago.minutes": ("{n} 分钟前", "{n} min ago"),
    "ago.hours": ("{n} 小时前", "{n} h ago"),
    "ago.days": ("{n} 天前", "{n} days ago"),
    "notfound.title": ("页面不存在", "Page not found"),
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
