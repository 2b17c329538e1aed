"""Plain Chinese names of the recorded events — the one table history and logs read.

The audit trail stores stable machine names (``code.issue``); officers must never see them.
Every event an appointment's history can show has its label here; a name missing from the
table falls back to a generic "其他操作" instead of leaking the raw name (a test checks that
every action the code records is listed).
"""

from __future__ import annotations

__all__ = ["CITIZEN", "EVENT_LABELS", "OUTCOME_LABELS", "event_label"]

CITIZEN = "当事人"

EVENT_LABELS: dict[str, str] = {
    "appointment.book": "预约",
    "appointment.cancel": "取消预约",
    "appointment.claim": "认领",
    "appointment.release": "释放回队列",
    "appointment.reassign": "改派",
    "appointment.status": "状态变更",
    "appointment.dispatch": "进入联系中",
    "appointment.open_video": "进入视频中",
    "appointment.start_procedure": "开始办理",
    "appointment.complete": "办结",
    "appointment.no_show": "未到场",
    "appointment.hand_over": "转窗口办理",
    "case.open": "查看案卷",
    "citizen.reveal": "查看完整信息",
    "code.issue": "代码已发送",
    "code.verify": "当事人核验验证码",
    "dispatch.create": "一键呼叫",
    "dispatch.retry": "重试呼叫",
    "sms.send": "短信已发送",
    "call.place": "电话已拨出",
    "video.room_open": "视频房间已开启",
    "video.citizen_admit": "视频已接通",
    "recording.start": "录像开始",
    "recording.stop": "录像结束",
    "recording.hash": "录像已存证",
    "recording.recovered": "录像已恢复存证",
    "recording.missing": "录像文件缺失",
    "recording.play": "回放录像",
    "document.download": "当事人下载文书",
}
OUTCOME_LABELS: dict[str, str] = {"ok": "成功", "denied": "被拒绝", "failed": "失败"}


def event_label(action: str) -> str:
    """The label of ``action``; never the raw machine name."""
    return EVENT_LABELS.get(action, "其他操作")
