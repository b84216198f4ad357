"""Concurrent decisions are decided once (issue 15): requests fired at the same moment on one state transition —
exactly one wins, the others are told so (never a 500), and the database stays consistent.

Each request runs in its own thread with its own test client (the Flask test client runs the app in the calling
thread, so the threads really overlap, each with its own database connection). A barrier starts them together and
`slow_transactions` starts every transaction 0.3 s late: all of them then pass the checks made before the
transaction, as they would in the unlucky case, and only what is checked inside it can tell them apart.
"""
import threading
import time
from datetime import timedelta

import pytest
from peewee import DatabaseProxy

from blueprints.agencies import operations as agency_ops
from blueprints.applications import operations as apps
from blueprints.listing import operations as listing
from blueprints.recommend import operations as recommend
from blueprints.upkeep import operations as upkeep
from models import (
    Agency,
    Application,
    AuditEvent,
    ChangeNotice,
    Engagement,
    Listing,
    PoolEntry,
    Publicity,
    Recommendation,
    RecommendationRound,
    ReviewAssignment,
    Role,
    Rung,
    Subject,
    SubjectStatus,
    db,
    local_now,
)

from .helpers import PASSWORD
from .test_pool import checks_all_clear

YEAR = local_now().year
TODAY = local_now().date()
DELAY = 0.5


def clients(app, user, count):
    """`count` test clients, each with its own session logged in as `user`."""
    result = []
    for _ in range(count):
        client = app.test_client()
        response = client.post("/login", data={"username": user.username, "password": PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)
        result.append(client)
    return result


def fire(app, monkeypatch, posts):
    """Send the posts [(client, url, data)] at the same moment; returns [(status, page text)] in the same order."""
    barrier = threading.Barrier(len(posts))
    results = [None] * len(posts)
    real = DatabaseProxy.atomic  # operations use models.db, a DatabaseProxy, whose atomic() is its own method

    def atomic(self, *args, **kwargs):
        time.sleep(DELAY)
        return real(self, *args, **kwargs)

    def run(index, client, url, data):
        barrier.wait()
        try:
            response = client.post(url, data=data or {}, follow_redirects=True)
            results[index] = (response.status_code, response.get_data(as_text=True))
        except Exception as error:  # an exception escaping the app is a failure to report, not to hide
            results[index] = (599, repr(error))

    monkeypatch.setattr(DatabaseProxy, "atomic", atomic)
    try:
        threads = [threading.Thread(target=run, args=(i, *post)) for i, post in enumerate(posts)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        monkeypatch.setattr(DatabaseProxy, "atomic", real)
    assert all(not thread.is_alive() for thread in threads)
    return results


def outcome(results, wins, loses, *also):
    """Exactly one response says `wins` (one of them), every other says `loses` — the message of the check inside
    the transaction — or one of `also`, the check before it (a loser slowed down more than DELAY by the machine
    only starts after the winner is done); none is an error."""
    assert [status for status, _ in results] == [200] * len(results), [text[-2000:] for _, text in results]
    winners = [text for _, text in results if any(w in text for w in wins)]
    losers = [text for _, text in results if any(message in text for message in (loses, *also))]
    assert len(winners) == 1, f"{len(winners)} won"
    assert len(losers) == len(results) - 1, [text[-1500:] for text in winners]
    return winners[0]


def audits(action):
    return AuditEvent.select().where(AuditEvent.action == action).count()


# --- the pool: admit, decline -------------------------------------------------------------------------

def pending_subject(make, staff):
    subject = make.subject(status=SubjectStatus.PENDING.value, rung=Rung.INTEREST.value)
    checks_all_clear(subject, staff)
    return subject


ADMIT = {"year_admitted": YEAR, "potential": "ordinary", "owner": ""}


def test_admit_against_decline_decides_once(app, make, monkeypatch):
    staff = make.user(Role.STAFF)
    subject = pending_subject(make, staff)
    first, second = clients(app, staff, 2)
    results = fire(app, monkeypatch, [
        (first, f"/pool/subjects/{subject.id}/admit", ADMIT),
        (second, f"/pool/subjects/{subject.id}/decline", {"reason": "不符合条件"}),
    ])
    winner = outcome(results, ["已纳入培育库。", "已不予受理，理由已告知企业。"], "该登记已被其他人处理", "不能入库",
                     "只有待审核的登记可以不予受理")
    with db.connection_context():
        subject = Subject.get_by_id(subject.id)
        entries = PoolEntry.select().where(PoolEntry.subject == subject).count()
        if "已纳入培育库。" in winner:
            assert (subject.status, subject.rung, entries) == ("admitted", "pool", 1)
        else:
            assert (subject.status, subject.rung, entries) == ("declined", "interest", 0)
        assert audits("subject.admit") + audits("subject.decline") == 1


def test_two_admits_make_one_pool_entry(app, make, monkeypatch):
    staff = make.user(Role.STAFF)
    subject = pending_subject(make, staff)
    posts = [(c, f"/pool/subjects/{subject.id}/admit", ADMIT) for c in clients(app, staff, 2)]
    outcome(fire(app, monkeypatch, posts), ["已纳入培育库。"], "该登记已被其他人处理（当前状态：已入库）",
            "该登记当前状态为「已入库」")
    with db.connection_context():
        assert PoolEntry.select().where(PoolEntry.subject == subject).count() == 1
        assert audits("subject.admit") == 1


# --- applications and the municipal review ------------------------------------------------------------

def test_eight_simultaneous_starts_make_one_application(app, make, monkeypatch):
    subject = make.pooled_subject()
    enterprise = make.user(Role.ENTERPRISE, subject=subject)
    data = {"year": YEAR, "rung": "municipal", "method": "self", "claimed_score": "86"}
    posts = [(c, "/applications/mine", data) for c in clients(app, enterprise, 8)]
    outcome(fire(app, monkeypatch, posts), ["申报草稿已创建"], f"{YEAR} 年已有该级别的申报")
    with db.connection_context():
        assert Application.select().where(Application.subject == subject).count() == 1
        assert audits("application.create") == 1


def test_the_database_keeps_one_open_application_whatever_the_code_checks(app, make):
    """The partial unique index: a second open application is refused, one after a rejection is allowed."""
    from peewee import IntegrityError
    subject = make.pooled_subject()
    with db.connection_context():
        first = Application.create(subject=subject, year=YEAR, rung="municipal")
        with pytest.raises(IntegrityError), db.atomic():
            Application.create(subject=subject, year=YEAR, rung="municipal")
        Application.update(status="rejected").where(Application.id == first.id).execute()
        Application.create(subject=subject, year=YEAR, rung="municipal")
        Application.create(subject=subject, year=YEAR, rung="provincial")


def test_two_submits_submit_once(app, make, monkeypatch):
    subject = make.pooled_subject()
    enterprise = make.user(Role.ENTERPRISE, subject=subject)
    application = make.application(subject, by=enterprise)
    posts = [(c, f"/applications/{application.id}/submit", {}) for c in clients(app, enterprise, 2)]
    outcome(fire(app, monkeypatch, posts), ["申报已提交。"], "该申报已被其他人处理（当前状态：已提交）",
            "当前状态为「已提交」，不能提交")
    with db.connection_context():
        assert Application.get_by_id(application.id).status == "submitted"
        assert audits("application.submit") == 1


def test_return_against_start_review_decides_once(app, make, monkeypatch):
    staff = make.user(Role.STAFF)
    application = make.application(submitted=True, by=staff)
    first, second = clients(app, staff, 2)
    results = fire(app, monkeypatch, [
        (first, f"/applications/{application.id}/return", {"reason": "缺盖章"}),
        (second, f"/applications/{application.id}/start-review", {}),
    ])
    with db.connection_context():
        actions = [e.action for e in AuditEvent.select().where(AuditEvent.action.in_(
            ["application.return", "application.review"])).order_by(AuditEvent.id)]
        status = Application.get_by_id(application.id).status
    if actions == ["application.review", "application.return"]:
        # the machine held the return back until the review had started; it then saw 评审中, from which a return
        # is allowed: one after the other, not a race
        assert status == "returned"
        return
    winner = outcome(results, ["已退回补正。", "已进入专家评审，请指派专家。"], "该申报已被其他人处理",
                     "只有已提交或评审中的申报可以退回", "只有已提交的申报可以进入评审")
    with db.connection_context():
        status = Application.get_by_id(application.id).status
        assert status == ("returned" if "已退回补正" in winner else "under_review")
        assert audits("application.return") + audits("application.review") == 1


def test_two_review_conclusions_conclude_once(app, make, monkeypatch):
    staff = make.user(Role.STAFF)
    application = make.application(submitted=True, by=staff)
    experts = [make.user(Role.EXPERT) for _ in range(3)]
    with db.connection_context():
        apps.start_review(application, by=staff)
        for expert in experts:
            apps.assign(application, expert, by=staff)
        for assignment in ReviewAssignment.select():
            apps.declare(assignment, conflict=False, reason="", by=assignment.expert)
            apps.score(assignment, value=85, comments="", by=assignment.expert)
    posts = [(c, f"/applications/{application.id}/conclude", {}) for c in clients(app, staff, 2)]
    outcome(fire(app, monkeypatch, posts), ["评审通过。"], "该申报已被其他人处理（当前状态：通过）",
            "该申报不在评审中")
    with db.connection_context():
        assert Application.get_by_id(application.id).status == "approved"
        assert audits("application.decide") == 1


# --- publicity and the list -----------------------------------------------------------------------------

def test_two_publishes_publish_once(app, make, monkeypatch):
    staff = make.user(Role.STAFF)
    application = make.application(submitted=True, by=staff)
    with db.connection_context():
        Application.update(status="approved").where(Application.id == application.id).execute()
        publicity = listing.open_publicity(YEAR, start_date=TODAY, by=staff)
        Publicity.update(start_date=TODAY - timedelta(days=16)).execute()
    posts = [(c, f"/listing/publicity/{publicity.id}/publish", {}) for c in clients(app, staff, 2)]
    outcome(fire(app, monkeypatch, posts), ["名单已公布"], "该公示已公布，名单不会重复生成")
    with db.connection_context():
        assert Publicity.get_by_id(publicity.id).status == "published"
        assert Listing.select().count() == 1 and audits("publicity.publish") == 1


# --- keeping the list true: a change notice -----------------------------------------------------------

def test_accept_against_reject_of_a_change_decides_once(app, make, monkeypatch):
    staff = make.user(Role.STAFF)
    subject = make.subject(name="旧名称有限公司", rung=Rung.MUNICIPAL.value)
    with db.connection_context():
        Listing.create(subject=subject, rung="municipal", year=YEAR - 1, source="municipal_review",
                       listed_on=TODAY - timedelta(days=100))
        notice = upkeep.declare_change(subject, kind="name", description="更名", new_name="新名称有限公司", by=staff)
    first, second = clients(app, staff, 2)
    results = fire(app, monkeypatch, [
        (first, f"/upkeep/changes/{notice.id}", {"accepted": "yes", "still_meets": "y", "verification": "已核实"}),
        (second, f"/upkeep/changes/{notice.id}", {"accepted": "no", "still_meets": "y", "verification": "材料不符"}),
    ])
    outcome(results, ["复核结果已记录"], "该变更已被其他人复核", "该变更已复核")
    with db.connection_context():
        notice = ChangeNotice.get_by_id(notice.id)
        name = Subject.get_by_id(subject.id).name
        assert notice.status in ("accepted", "rejected")
        assert name == ("新名称有限公司" if notice.status == "accepted" else "旧名称有限公司")
        assert notice.verification == ("已核实" if notice.status == "accepted" else "材料不符")
        assert audits("change.decide") == 1


# --- agencies: an engagement ------------------------------------------------------------------------------

def test_engagement_accept_against_decline_decides_once(app, make, monkeypatch):
    staff = make.user(Role.STAFF)
    subject = make.pooled_subject()
    with db.connection_context():
        agency = Agency.create(name="评价机构有限公司", credit_code="91230100MA1B2C3D4E", legal_representative="刘建国",
                               address="松源区", contact_person="赵六", contact_phone="13800000000",
                               platform_registration_no="P-1", platform_approved=True, staff_mid_level=12,
                               staff_senior=6, status="approved")
        engagement = agency_ops.propose(subject, agency, purpose="evaluation", rung="municipal", year=YEAR, by=staff,
                                        today=TODAY)
    agent = make.user(Role.AGENCY, agency=agency)
    first, second = clients(app, agent, 2)
    results = fire(app, monkeypatch, [
        (first, f"/agency/engagements/{engagement.id}/accept", {"declaration": "y"}),
        (second, f"/agency/engagements/{engagement.id}/decline", {"reason": "人手不足"}),
    ])
    winner = outcome(results, ["已接受对接。", "已拒绝对接。"], "该对接已被处理", "不能再接受",
                     "只有待接受的对接可以拒绝")
    with db.connection_context():
        engagement = Engagement.get_by_id(engagement.id)
        if "已接受对接" in winner:
            assert engagement.status == "accepted" and engagement.accepted_at is not None
        else:
            assert engagement.status == "declined" and engagement.accepted_at is None
        assert audits("engagement.accept") + audits("engagement.decline") == 1


# --- the recommendation round -------------------------------------------------------------------------------

def test_two_sign_offs_sign_once(app, make, monkeypatch):
    staff = make.user(Role.STAFF)
    admin = make.user(Role.ADMIN)
    application = make.application(rung="provincial", submitted=True, by=staff)
    with app.test_request_context(), db.connection_context():
        make.veto_checks(application.subject, checked_on=TODAY)
        round_ = recommend.open_round(YEAR, by=staff)
        row = Recommendation.get(Recommendation.round == round_)
        recommend.decide(row, rank=1, decision="recommend", opinion="同意推荐", exception_reason="", by=staff, today=TODAY)
    posts = [(c, f"/recommend/rounds/{round_.id}/sign", {}) for c in clients(app, admin, 2)]
    outcome(fire(app, monkeypatch, posts), ["推荐意见已签发。"], "刚刚已被其他人签发", "本轮推荐已签发")
    with db.connection_context():
        assert RecommendationRound.get_by_id(round_.id).status == "signed"
        assert audits("recommend.sign") == 1


def test_a_decision_landing_after_sign_off_is_refused(app, make):
    """The round is checked inside decide's transaction: a stale draft round object cannot be written to."""
    staff = make.user(Role.STAFF)
    application = make.application(rung="provincial", submitted=True, by=staff)
    with app.test_request_context(), db.connection_context():
        make.veto_checks(application.subject, checked_on=TODAY)  # 第十五条 is never overridden by a reason
        round_ = recommend.open_round(YEAR, by=staff)
        row = Recommendation.get(Recommendation.round == round_)
        recommend.decide(row, rank=1, decision="recommend", opinion="同意推荐", exception_reason="理由", by=staff,
                         today=TODAY)
        RecommendationRound.update(status="signed").where(RecommendationRound.id == round_.id).execute()
        from rules import Refused
        with pytest.raises(Refused, match="刚刚已被签发"):
            recommend.decide(row, rank=None, decision="not_recommend", opinion="不推荐", exception_reason="", by=staff,
                             today=TODAY)
        assert Recommendation.get_by_id(row.id).decision == "recommend"
        assert application.id in [r.application_id for r in round_.recommendations]

