"""Every word on the review page, in Japanese and English."""

from __future__ import annotations

from atesaki.core.i18n import Text

STRINGS: dict[str, Text] = {
    "title": Text("宛先 — 送信の確認記録", "Atesaki — review of sent mail"),
    "switch": Text("English", "日本語"),
    "sign_out": Text("サインアウト", "Sign out"),
    "summary": Text("直近 30 日", "Last 30 days"),
    "checks": Text("確認", "Checks"),
    "sends": Text("送信", "Sends"),
    "warnings": Text("警告あり", "With warnings"),
    "approvals": Text("承認", "Approvals"),
    "incidents": Text("誤送信の報告", "Incidents"),
    "chain": Text("監査ログ", "Audit log"),
    "chain_ok": Text("改ざんは見つかりません", "No tampering found"),
    "chain_bad": Text("改ざんの疑いがあります", "Possible tampering"),
    "entries": Text("件の記録", "entries"),
    "head": Text("先頭ハッシュ（控えておくと後で照合できます）",
                 "Head hash (write it down to compare later)"),
    "export": Text("CSV で書き出す", "Export as CSV"),
    "filters": Text("絞り込み", "Filters"),
    "f_external": Text("外部宛てのみ", "External only"),
    "f_approval": Text("承認が必要だったもの", "Needed approval"),
    "f_approver": Text("承認者", "Approved by"),
    "f_anyone": Text("（だれでも）", "(anyone)"),
    "f_incidents": Text("報告があったもの", "With incidents"),
    "apply": Text("表示", "Show"),
    "reset": Text("解除", "Clear"),
    "activity": Text("最近の確認と送信", "Recent checks and sends"),
    "when": Text("日時", "When"),
    "sender": Text("送信者", "Sender"),
    "recipients": Text("宛先", "Recipients"),
    "findings": Text("指摘", "Findings"),
    "verdict": Text("判定", "Verdict"),
    "sent": Text("送信", "Sent"),
    "not_sent": Text("未送信", "not sent"),
    "approved_by": Text("承認者", "Approved by"),
    "external": Text("外部", "external"),
    "nothing": Text("該当する記録はありません。", "Nothing matches."),
    "no_incidents": Text("誤送信の報告はありません。", "No incidents reported."),
    "reported": Text("報告日時", "Reported"),
    "wrong": Text("誤って届いた宛先", "Wrong recipient"),
    "what": Text("内容", "What went wrong"),
    "report": Text("報告書", "Report"),
    "incident_mark": Text("報告あり", "incident"),
}

KINDS: dict[str, Text] = {
    "new": Text("新規", "new"),
    "reply": Text("返信", "reply"),
    "forward": Text("転送", "forward"),
}

VERDICTS: dict[str, Text] = {
    "pass": Text("問題なし", "pass"),
    "confirm": Text("確認", "confirm"),
    "approve": Text("承認が必要", "approval"),
    "block": Text("送信不可", "blocked"),
}
