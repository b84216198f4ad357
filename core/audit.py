"""The audit trail: one function records every event (who, when, what, from where, result)."""
import getpass
import json

from flask import g, has_request_context, request
from flask_login import current_user
from peewee import PostgresqlDatabase

from models import AUDIT_CHAIN_FIELDS, AUDIT_CHAIN_GENESIS, AuditEvent, chain_hash, db, local_now

# Chinese names of the actions, for the audit viewer and subject timelines.
ACTION_LABELS = {
    "auth.login": "登录",
    "auth.login_failed": "登录失败",
    "auth.lockout": "账号锁定",
    "auth.logout": "退出登录",
    "auth.session_timeout": "会话超时",
    "auth.password_changed": "修改密码",
    "user.unlock": "解除登录锁定",
    "security.forbidden": "越权访问被拒绝",
    "security.not_owner": "访问他人对象被拒绝",
    "security.csrf_failed": "安全令牌校验失败",
    "security.rate_limited": "请求频率超限",
    "document.download": "下载文件",
    "user.create": "创建用户",
    "user.disable": "停用用户",
    "user.enable": "启用用户",
    "user.reset_password": "重置密码",
    "user.change_role": "变更角色",
    "settings.update": "修改系统设置",
    "demo.load": "载入演示数据",
    "audit.export": "导出审计日志",
    "backup.restore": "从备份恢复",
    "backup.create": "数据库备份",
    "document.upload": "上传文件",
    "document.withdraw": "撤回文件",
    "subject.register": "登记意向",
    "subject.eligibility": "记录入库条件核查",
    "subject.veto_check": "记录否决项核查",
    "park.member_add": "登记园区内企业",
    "park.member_end": "园区内企业退出",
    "subject.admit": "纳入培育库",
    "subject.request_info": "要求补充材料",
    "subject.decline": "不予受理",
    "subject.reply": "企业答复",
    "subject.update": "修改培育对象信息",
    "pool.status": "变更培育状态",
    "pool.import": "导入培育库",
    "pool.export": "导出培育库",
    "plan.create": "创建培育计划",
    "plan.update": "修改培育计划",
    "plan.approve": "批准培育计划",
    "plan.filed": "培育计划已备案",
    "plan.new_version": "创建计划新版本",
    "plan.add_item": "加入培育计划",
    "plan.add_items": "批量加入培育计划",
    "plan.update_item": "修改计划条目",
    "plan.withdraw_item": "移出培育计划",
    "plan.add_project": "添加绿色化改造项目",
    "plan.update_project": "修改绿色化改造项目",
    "plan.withdraw_project": "删除绿色化改造项目",
    "plan.milestone": "更新培育节点",
    "plan.evidence": "提交节点佐证",
    "subject.chase_up": "催办企业",
    "plan.export": "导出培育计划",
    "plan.milestone_event": "培育节点随事项自动完成",
    "plan.district_targets": "修改区县目标",
    "plan.snapshot": "保存年终快照",
    "application.create": "创建申报",
    "application.update": "修改申报",
    "application.submit": "提交申报",
    "application.return": "退回补正",
    "application.review": "进入专家评审",
    "application.decide": "评审结论",
    "review.assign": "指派评审专家",
    "review.auto_assign": "自动指派专家",
    "review.declare": "声明利益冲突情况",
    "review.score": "专家评分",
    "publicity.open": "开始公示",
    "publicity.objection": "提出异议",
    "publicity.objection_handled": "处理异议",
    "publicity.publish": "公布名单",
    "listing.record": "登记上级名单结果",
    "subject.green_code": "登记企业绿码",
    "filing.build": "生成备案材料",
    "filing.sent": "标记备案已报送",
    "filing.no_list": "说明本年度无市级名单",
    "recommend.open": "开始省级推荐",
    "recommend.decide": "形成推荐意见",
    "recommend.sign": "签发推荐意见",
    "recommend.new_version": "推荐意见新版本",
    "recommend.package": "下载推荐材料",
    "agency.register": "机构登记",
    "agency.approve": "认可机构",
    "agency.reject": "不予认可机构",
    "agency.suspend": "暂停机构",
    "agency.lift": "恢复机构",
    "agency.disqualify": "取消机构资格",
    "agency.check": "记录机构条件核查（第二十三条）",
    "agency.declare": "机构作出第二十四条承诺",
    "agency.annual_report": "提交年度工作报告",
    "dynamic.file": "填报动态管理表",
    "dynamic.edit": "更正动态管理表",
    "dynamic.remind": "提醒填报动态管理表",
    "dynamic.review": "审核动态管理表",
    "dynamic.paper": "登记纸质动态管理表",
    "dynamic.late_reason": "记录动态管理表逾期理由",
    "change.declare": "申报变更",
    "change.decide": "复核变更",
    "listing.remove": "移出名单",
    "incident.record": "记录事故事件",
    "document.issue": "签发公文（分配发文字号）",
    "incident.reported": "标记事故事件已报送省厅",
    "incident.export": "导出事故事件",
    "spot_check.record": "记录抽查复核",
    "spot_check.export": "导出抽查复核",
    "complaint.submit": "收到举报",
    "complaint.handle": "处理举报",
    "complaint.export": "导出举报",
    "engagement.propose": "发出对接邀请",
    "engagement.accept": "接受对接",
    "engagement.decline": "拒绝对接",
    "engagement.note": "记录对接进展",
    "engagement.complete": "完成对接",
    "engagement.end": "对接终止（机构暂停或取消资格）",
    "engagement.confirm": "企业确认对接",
    "engagement.refuse": "企业不予确认对接",
    "engagement.expire": "对接邀请过期（逾期未答复）",
    "engagement.preference": "企业对机构表明倾向或异议",
    "engagement.preference_withdraw": "企业撤回对机构的倾向或异议",
}

RESULT_LABELS = {"ok": "成功", "denied": "拒绝", "locked": "已锁定", "disabled": "已停用", "refused": "被规则拒绝"}


def _object_label(obj):
    """The object's name as the trail keeps it: without the characters an .xlsx export cannot hold (the row is
    append-only, so a bad label would break the audit export for good) nor invisible or bidi ones."""
    from core.documents import xml_safe
    from core.validation import INVISIBLE

    for attr in ("name", "username", "title", "key"):
        value = getattr(obj, attr, None)
        if value:
            return INVISIBLE.sub("", xml_safe(str(value)))[:200]
    return ""


def _os_user():
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


# Pass as user= for what the site does by itself (an invitation expiring), even while answering someone's request:
# no user is recorded.
SYSTEM = "system"


def record(action, obj=None, *, result="ok", details=None, user=None, object_type=None):
    """Append one AuditEvent. `user` defaults to the logged-in user; the IP comes from the request, and a shell
    command records the operating-system user who ran it."""
    if user is SYSTEM:
        user = None
    elif user is None and has_request_context() and current_user and current_user.is_authenticated:
        user = current_user._get_current_object()
    details = dict(details or {})
    if has_request_context():
        ip = (request.remote_addr or "")[:45]
        g.audited_actions = getattr(g, "audited_actions", set()) | {action}
    else:
        ip = "cli"
        details.setdefault("os_user", _os_user())
    values = {
        "created_at": local_now(),
        "username": user.username if user else "",
        "ip": ip,
        "action": action,
        "object_type": object_type or (type(obj).__name__.lower() if obj is not None else ""),
        "object_id": getattr(obj, "id", None),
        "object_label": _object_label(obj) if obj is not None else "",
        "result": result,
        "details": json.dumps(details, ensure_ascii=False, default=str),
    }
    with db.atomic():  # inside the caller's transaction when there is one: the row and its link commit together
        prev_hash = _chain_head()
        return AuditEvent.create(user=user, prev_hash=prev_hash, row_hash=chain_hash(values, prev_hash), **values)


def record_many(events, *, user=None, batch=500):
    """Append many events at once, as record() would one by one: `events` are (action, obj, details) with obj a
    saved model instance. The chain is read once, each row's hash computed here in order, and the rows inserted in
    batches (ids ascend in insert order), all in the caller's transaction: `flask audit verify` walks them like any
    other. Returns how many were written."""
    from core import database

    if user is SYSTEM:
        user = None
    elif user is None and has_request_context() and current_user and current_user.is_authenticated:
        user = current_user._get_current_object()
    ip = (request.remote_addr or "")[:45] if has_request_context() else "cli"
    username = user.username if user else ""
    os_user = None if has_request_context() else _os_user()
    rows, actions = [], set()
    with db.atomic():
        prev_hash = _chain_head()
        for action, obj, details in events:
            details = dict(details or {})
            if os_user is not None:
                details.setdefault("os_user", os_user)
            actions.add(action)
            values = {"created_at": local_now(), "username": username, "ip": ip, "action": action,
                      "object_type": type(obj).__name__.lower(), "object_id": obj.id,
                      "object_label": _object_label(obj), "result": "ok",
                      "details": json.dumps(details, ensure_ascii=False, default=str)}
            row_hash = chain_hash(values, prev_hash)
            rows.append({**values, "prev_hash": prev_hash, "row_hash": row_hash, "user": user.id if user else None})
            prev_hash = row_hash
        database.insert_rows(AuditEvent, rows, page_size=batch)
    if has_request_context():
        g.audited_actions = getattr(g, "audited_actions", set()) | actions
    return len(rows)


# Any fixed number: the key of the PostgreSQL advisory lock that serializes appends to the audit chain.
_CHAIN_LOCK_KEY = 0x61756469


def _chain_head():
    """The newest row's hash, read once appends are serialized: on SQLite the transaction already holds the write
    lock (BEGIN IMMEDIATE); on PostgreSQL an advisory lock is taken, held until the transaction ends."""
    if isinstance(db.obj, PostgresqlDatabase):
        db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (_CHAIN_LOCK_KEY,))
    head = AuditEvent.select(AuditEvent.row_hash).order_by(AuditEvent.id.desc()).limit(1).scalar()
    return head or AUDIT_CHAIN_GENESIS


def verify_chain(batch=5000):
    """Walk the trail in id order; the first broken link as (id, 中文说明), or None when the chain holds."""
    previous_id, previous = None, AUDIT_CHAIN_GENESIS
    fields = [getattr(AuditEvent, name) for name in AUDIT_CHAIN_FIELDS]
    last_id = 0
    while True:
        rows = list(AuditEvent.select(AuditEvent.id, AuditEvent.prev_hash, AuditEvent.row_hash, *fields)
                    .where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(batch))
        if not rows:
            return None
        for row in rows:
            if row.prev_hash != previous:
                before = f"第 {previous_id} 条记录的哈希" if previous_id else "链首的初始值"
                return row.id, (f"该记录保存的上一条哈希（{row.prev_hash[:16] or '空'}…）与{before}"
                                f"（{previous[:16]}…）不符：其前的记录被删除、插入或修改")
            digest = chain_hash({name: getattr(row, name) for name in AUDIT_CHAIN_FIELDS}, row.prev_hash)
            if digest != row.row_hash:
                return row.id, (f"该记录的内容与其保存的哈希不符（保存 {row.row_hash[:16] or '空'}…，按内容重算 "
                                f"{digest[:16]}…）：记录在写入后被修改")
            previous_id, previous = row.id, row.row_hash
        last_id = rows[-1].id


def record_security_event(action, **fields):
    """A denial (permission, CSRF, rate limit) seen from a request; each address is heard a few times a
    minute at most, so a flood cannot fill the table."""
    from core import ratelimits

    if not ratelimits.allow_security_event(request.remote_addr or ""):
        return None
    details = {"method": request.method, "path": request.path[:200], **fields.pop("details", {})}
    return record(action, result="denied", details=details, **fields)


def recorded_in_this_request(*suffixes):
    """Whether an action ending in one of `suffixes` was audited while answering this request."""
    return any(action.endswith(suffixes) for action in getattr(g, "audited_actions", ()))


def action_label(action):
    return ACTION_LABELS.get(action, action)


def result_label(result):
    return RESULT_LABELS.get(result, result)


# What an event was about (AuditEvent.object_type: a model's name in lower case, or a type named by the caller).
OBJECT_TYPE_LABELS = {
    "subject": "培育对象", "user": "账号", "agency": "第三方机构", "agencycapacity": "机构容量", "agencycheck": "机构核查",
    "agencyreport": "机构年度报告", "application": "申报", "assignmentbatch": "批量分配", "auditevent": "审计记录",
    "changenotice": "变更告知", "complaint": "投诉举报", "cultivationplan": "培育计划", "plan": "培育计划",
    "document": "文件", "dynamicreport": "动态管理表", "dynamic_report": "动态管理表", "database": "数据库",
    "eligibilitycheck": "入库条件核查", "engagement": "对接", "engagementpreference": "企业意向", "filing": "备案",
    "filingdeclaration": "备案声明", "incident": "事故事件", "issueddocument": "发文", "issued_document": "发文",
    "listing": "名单", "milestone": "计划节点", "notice": "通知", "objection": "异议", "parkmember": "园区企业",
    "plandistricttarget": "区县目标", "planitem": "计划条目", "planproject": "改造项目", "plansnapshot": "计划快照",
    "plantarget": "计划目标", "pool": "培育库", "poolentry": "培育库", "publicity": "公示", "publicityentry": "公示条目",
    "recommendation": "推荐意见", "recommendationround": "推荐轮次", "recommendation_round": "推荐轮次",
    "removalnotice": "移出告知", "reviewassignment": "评审任务", "roundpackage": "推荐材料包", "setting": "设置",
    "spotcheck": "抽查", "subjectmessage": "消息", "vetocheck": "否决项核查",
}


def object_type_label(object_type):
    return OBJECT_TYPE_LABELS.get(object_type, object_type or "")


def object_types_labelled(label):
    """Every object type shown under `label` (培育计划 is both cultivationplan and plan in the trail)."""
    return [object_type for object_type, shown in OBJECT_TYPE_LABELS.items() if shown == label]
