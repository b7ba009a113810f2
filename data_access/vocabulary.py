"""Codes stored in the database and their display labels (zh, en)."""
from __future__ import annotations

SOURCES = {
    "inspector": ("监督员上报", "Inspector"),
    "public": ("公众举报", "Public report"),
    "hotline": ("12345热线", "12345 hotline"),
    "video_ai": ("视频智能发现", "Video AI"),
    "drone": ("无人机巡查", "Drone patrol"),
    "leader": ("领导交办", "Leader assigned"),
    "media": ("媒体曝光", "Media"),
}
# One display name per GB/T 47678.5 major code (event majors end in 类 in the standard).
MAJOR_NAMES = {
    "01": "市政公用", "02": "交通设施", "03": "市容环卫设施", "04": "园林绿化", "05": "其他部件",
    "06": "市容环境", "07": "宣传广告", "08": "施工管理", "09": "街面秩序", "10": "其他事项",
}
CASE_TYPES = {"component": ("部件", "Component"), "event": ("事件", "Event")}
URGENCIES = {"normal": ("一般", "Normal"), "urgent": ("紧急", "Urgent")}
DEPARTMENT_KINDS = {"professional": ("专业部门", "Professional"), "town": ("镇街", "Town")}
CAMERA_KINDS = {
    "high_point": ("高点", "High point"),
    "intersection": ("路口", "Intersection"),
    "ai": ("AI 智能识别", "AI analysis"),
    "body_cam": ("执法记录仪", "Body camera"),
}
SENSOR_KINDS = {
    "gas": ("燃气浓度", "Gas concentration", "%LEL"),
    "water_level": ("积水深度", "Water depth", "cm"),
    "rain": ("雨量", "Rainfall", "mm/h"),
}


def label(table: dict, code: str, language: str = "zh") -> str:
    entry = table.get(code)
    if entry is None:
        return code
    return entry[0] if language == "zh" else entry[1]
