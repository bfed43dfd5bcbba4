"""Demo data: Ningbo agencies, their people, and realistic cases of every type, advanced.

Everything goes through the service layer, so the demo also exercises the engine the way
officers do: opening, assigning, attaching evidence, firing triggers with payloads.
"""

from __future__ import annotations

import random
import secrets
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from caseflow import services
from caseflow.bootstrap import App
from caseflow.domain.definitions import FieldSpec, TransitionDef, WorkflowDefinition
from caseflow.domain.errors import CaseflowError
from caseflow.domain.guards import required_customs_security
from caseflow.domain.vocabulary import ROLES
from caseflow.services.checkpoints import write_checkpoint
from caseflow.services.directory import create_user, ensure_agency
from caseflow.services.extension_requests import request_extension
from caseflow.services.signin import set_demo_passwords, set_password
from caseflow.services.sweep import sweep_once
from caseflow.views.directory import StaffMember, staff_members
from caseflow.views.extension_requests import assigned_extendable
from caseflow.views.workflows import case_in_workflow, definition_in_force, workflow_versions

AGENCIES = [
    ("nb-amr", "market_supervision", "宁波市市场监督管理局（知识产权局）",
     "Ningbo Administration for Market Regulation (IP Office)"),
    ("nb-amr-yinzhou", "market_supervision", "宁波市鄞州区市场监督管理局",
     "Yinzhou District Market Regulation Bureau"),
    ("nb-amr-cixi", "market_supervision", "慈溪市市场监督管理局", "Cixi Market Regulation Bureau"),
    ("nb-customs", "customs", "宁波海关", "Ningbo Customs"),
    ("nb-psb", "police", "宁波市公安局经济犯罪侦查支队", "Ningbo PSB Economic Crime Investigation"),
    ("nb-ipcourt", "court", "宁波知识产权法庭", "Ningbo Intellectual Property Tribunal"),
    ("nb-mediation", "mediation", "宁波市知识产权纠纷人民调解委员会",
     "Ningbo IP Dispute People's Mediation Committee"),
    ("nb-ippc", "protection_center", "中国（宁波）知识产权保护中心",
     "China (Ningbo) Intellectual Property Protection Center"),
]

# username, name, agency, roles, supervisor
PEOPLE = [
    ("admin", "系统管理员", "nb-amr", ["admin"], None),
    ("wang.jianguo", "王建国", "nb-amr", ["supervisor"], None),
    ("chen.xiaoyan", "陈晓燕", "nb-amr", ["supervisor"], "wang.jianguo"),
    ("li.ming", "李明", "nb-amr", ["officer"], "chen.xiaoyan"),
    ("zhang.wei", "张伟", "nb-amr", ["officer"], "chen.xiaoyan"),
    ("hu.jing", "胡静", "nb-amr", ["officer"], "chen.xiaoyan"),
    ("sun.li", "孙丽", "nb-amr-yinzhou", ["supervisor"], None),
    ("xu.hao", "徐浩", "nb-amr-yinzhou", ["officer"], "sun.li"),
    ("ma.yun", "马芸", "nb-amr-cixi", ["supervisor"], None),
    ("shen.tao", "沈涛", "nb-amr-cixi", ["officer"], "ma.yun"),
    ("lin.guo", "林国强", "nb-customs", ["supervisor"], None),
    ("zhou.qiang", "周强", "nb-customs", ["officer"], "lin.guo"),
    ("yang.fan", "杨帆", "nb-customs", ["officer"], "lin.guo"),
    ("he.jun", "何军", "nb-psb", ["supervisor"], None),
    ("gao.peng", "高鹏", "nb-psb", ["officer"], "he.jun"),
    ("zheng.hui", "郑慧", "nb-ipcourt", ["supervisor"], None),
    ("qian.yu", "钱宇", "nb-ipcourt", ["officer"], "zheng.hui"),
    ("jiang.min", "蒋敏", "nb-mediation", ["supervisor", "mediator"], None),
    ("wu.fang", "吴芳", "nb-mediation", ["mediator"], "jiang.min"),
    ("dong.lei", "董磊", "nb-mediation", ["mediator"], "jiang.min"),
    ("fang.yi", "方怡", "nb-ippc", ["supervisor"], None),
    ("tang.bo", "唐波", "nb-ippc", ["officer"], "fang.yi"),
    ("ye.qing", "叶青", "nb-ippc", ["officer"], "fang.yi"),
]


@dataclass(frozen=True)
class Industry:
    name: str
    code: str  # its vocabulary.INDUSTRIES code: the cases are opened with it
    holders: list[tuple[str, str, str]]  # name, origin, region
    infringers: list[tuple[str, str]]  # name, kind
    rights: list[tuple[str, str, str]]  # kind, number, title
    goods: str


INDUSTRIES = [
    Industry("服装", "clothing", [("宁波甬华服饰集团有限公司", "local", "宁波市鄞州区"),
                      ("Lumière Textiles SA", "overseas", "France"),
                      ("杭州西溪时装有限公司", "other_city", "杭州市")],
             [("宁波市海曙区恒达服饰商行", "enterprise"), ("余姚市阿芬服装店（个体）", "individual")],
             [("trademark", "第12345678号", "甬华 YONGHUA"), ("trademark", "G1187654", "LUMIÈRE")],
             "冬季羽绒服"),
    Industry("食品", "food", [("宁波三北海味食品有限公司", "local", "宁波市慈溪市"),
                      ("上海申美食品有限公司", "other_city", "上海市")],
             [("象山县渔港食品加工厂", "enterprise"), ("宁波北仑小陈食品经营部", "individual")],
             [("geographical_indication", "AGI00231", "象山红美人"),
              ("trademark", "第23456789号", "申美 SHENMEI")],
             "海鲜礼盒"),
    Industry("家电", "home_appliances", [("宁波东海厨电科技有限公司", "local", "宁波市余姚市"),
                      ("Brightwave Appliances Inc.", "overseas", "United States"),
                      ("佛山顺美电器有限公司", "other_city", "佛山市")],
             [("慈溪市宏利家电有限公司", "enterprise"), ("慈溪市周巷镇雪亮小家电厂", "enterprise")],
             [("invention_patent", "ZL202110456789.1", "一种防干烧燃气灶控制方法"),
              ("design_patent", "ZL202430123456.7", "空气炸锅（B5）"),
              ("utility_model", "ZL202220987654.3", "一种除湿机排水结构")],
             "空气炸锅"),
    Industry("汽配", "auto_parts", [("宁波永信汽车部件股份有限公司", "local", "宁波市北仑区"),
                      ("Nordhaus Automotive GmbH", "overseas", "Germany"),
                      ("温州瓯江汽配有限公司", "other_city", "温州市")],
             [("余姚市精工汽配厂", "enterprise"), ("宁波鄞州永盛汽车配件经营部", "enterprise")],
             [("utility_model", "ZL202321234567.8", "一种汽车刹车片磨损报警装置"),
              ("trademark", "G1398765", "NORDHAUS")],
             "刹车片"),
    Industry("文具", "stationery", [("宁波晨曦文具股份有限公司", "local", "宁波市宁海县"),
                      ("Kobayashi Stationery Co., Ltd.", "overseas", "Japan")],
             [("宁海县佳美文具厂", "enterprise"), ("宁波江北小林文具店", "individual")],
             [("design_patent", "ZL202330765432.1", "中性笔（晨曦S9）"),
              ("copyright", "浙作登字-2023-F-00012345", "晨曦熊猫卡通形象"),
              ("trademark", "第34567890号", "KOBAYASHI")],
             "中性笔"),
]

# workflows whose cases only arrive by handoff (the demo does not open them directly)
RECEIVING_ONLY = frozenset({"police_case", "court_confirmation"})

AGENCY_FOR_KIND = {
    "market_supervision": ["nb-amr", "nb-amr", "nb-amr-yinzhou", "nb-amr-cixi"],
    "customs": ["nb-customs"], "police": ["nb-psb"], "court": ["nb-ipcourt"],
    "mediation": ["nb-mediation"], "protection_center": ["nb-ippc"],
}


def ensure_people(app: App) -> None:
    for code, kind, zh, en in AGENCIES:
        ensure_agency(app.uow("demo"), code, kind, zh, en)
    existing = {member.username for member in staff_members(app.uow("demo"))}
    for username, name, agency, roles, boss in PEOPLE:
        if username not in existing:
            create_user(app.uow("demo"), username, name, agency, roles, supervisor=boss,
                        email=f"{username}@example.nb.gov.cn")
    set_demo_passwords(app.uow("demo"))  # the shared password "demo", in demo mode only


class _Walker:
    """Advances one case a random number of steps, as its agency's people would."""

    def __init__(self, app: App, rng: random.Random, staff: dict[str, list[StaffMember]]) -> None:
        self.app, self.rng, self.staff = app, rng, staff

    def actor_for(self, agency: str, roles: tuple[str, ...]) -> str | None:
        people = [u.username for u in self.staff[agency] if set(roles) & u.roles]
        return self.rng.choice(people) if people else None

    def value(self, spec: FieldSpec, case: services.CaseView, industry: Industry,
              day: date, payload: dict[str, Any]) -> Any:
        name, rng = spec.name, self.rng
        if spec.type == "enum":
            return rng.choice(spec.values)
        if spec.type == "boolean":
            return name in ("warning",) or rng.random() < 0.5
        if spec.type == "date":
            return day.isoformat()
        if spec.type == "datetime":
            return f"{day.isoformat()}T{rng.randint(9, 16):02d}:{rng.choice(['00', '30'])}:00+08:00"
        if spec.type == "list":
            return rng.sample(["孙志远律师", "林可欣律师", "外观设计专家周博", "海外维权专家Grace Liu"], 2)
        if spec.type in ("integer", "number"):
            low = spec.min if spec.min is not None else 0
            if "security" in name and "goods_value" in payload:
                amount = required_customs_security(payload["goods_value"], "ex_officio")
            elif "goods_value" in name:
                amount = rng.choice([18_000, 56_000, 240_000])
            elif "fine" in name and case.case_type == "admin_summary":
                amount = rng.choice([100, 200])
            elif "fine" in name or "amount" in name:
                amount = rng.choice([5_000, 20_000, 50_000, 120_000])
            else:
                amount = rng.randint(1, 5)
            if spec.max is not None:
                amount = min(amount, spec.max)
            amount = max(amount, low)
            return int(amount) if spec.type == "integer" else float(amount)
        label = spec.title_zh or name
        return f"{label}：{industry.goods}（{case.number}）"

    def payload(self, t: TransitionDef, case: services.CaseView, industry: Industry,
                day: date) -> dict[str, Any]:
        payload: dict[str, Any] = {}
        ordered = sorted(t.fields, key=lambda f: "security" in f.name)  # value before security
        for spec in ordered:
            if spec.required or self.rng.random() < 0.6:
                payload[spec.name] = self.value(spec, case, industry, day, payload)
        return payload

    def advance(self, case: services.CaseView, definition: WorkflowDefinition,
                industry: Industry, steps: int) -> services.CaseView:
        day = date.today() - timedelta(days=steps * 6)
        self.seen: set[str] = set()
        for _ in range(steps):
            if case.closed:
                break
            crossing = [r for r in definition.handoffs.values() if case.status in r.from_states]
            if crossing and self.rng.random() < 0.8:
                self.cross(case, definition, crossing[0], industry, day)
                break
            options = definition.triggers_from(case.status)
            self.rng.shuffle(options)
            if self.rng.random() > 0.12:
                # the main road: forward, not to a side exit, not a refusal needing reasons
                finals = definition.final_states
                options.sort(key=lambda t: 3 * (t.dest == case.status) + 2 * (t.dest in finals)
                             + t.reason_required + 2 * (t.dest in self.seen))
            self.seen.add(case.status)
            for t in options:
                actor = self.actor_for(case.agency, t.roles)
                if actor is None:
                    continue
                reason = f"{t.title_zh}：经审查，依法办理" if t.reason_required or self.rng.random() < 0.3 else None
                try:
                    case = services.fire(self.app.uow("demo"), case.id, t.trigger, actor=actor,
                                         payload=self.payload(t, case, industry, day),
                                         reason=reason)
                    break
                except CaseflowError:
                    continue
            else:
                break
            day += timedelta(days=self.rng.randint(1, 9))
        return case


    def cross(self, case: services.CaseView, definition: WorkflowDefinition, rule: Any,
              industry: Industry, day: date) -> None:
        """Send the case across as its workflow allows; the receiver accepts or refuses it,
        and an accepted crossing's linked case is worked on in its own workflow."""
        from caseflow.services import handoffs

        receivers = [a for a in AGENCY_FOR_KIND[rule.to] if a != case.agency]
        actor = self.actor_for(case.agency, ("officer", "mediator", "supervisor"))
        if not receivers or actor is None:
            return
        payload = None
        if rule.fire:
            fired = definition.transition(rule.fire, case.status)
            actor = self.actor_for(case.agency, fired.roles) or actor
            payload = self.payload(fired, case, industry, day)
        try:
            sent = handoffs.hand_off(
                self.app.uow("demo"), case.id, rule.kind, actor=actor,
                to_agency=self.rng.choice(receivers), reason=f"{rule.title_zh}：{case.title}",
                idempotency_key=f"demo:{case.number}:{rule.kind}", payload=payload)
        except CaseflowError:
            return
        handoffs.dispatch(self.app.uow("demo"))
        receiver = self.actor_for(sent.to_agency, ("officer", "mediator", "supervisor"))
        if receiver is None or self.rng.random() < 0.15:
            return  # still waiting for the receiving agency
        if self.rng.random() < 0.15:
            handoffs.reject(self.app.uow("demo"), sent.id, actor=receiver,
                            reason="经审查，不符合接收条件，退回移送机关")
            return
        accepted = handoffs.accept(self.app.uow("demo"), sent.id, actor=receiver,
                                   reason="材料齐全，予以接收")
        if accepted.linked_case_id:
            view, linked_definition = case_in_workflow(self.app.uow("demo"),
                                                       accepted.linked_case_id, receiver)
            saved = self.seen
            self.advance(view, linked_definition, industry, steps=self.rng.randint(1, 8))
            self.seen = saved


def _parties_for(definition: WorkflowDefinition, industry: Industry, rng: random.Random) -> list[dict]:
    holder_name, origin, region = rng.choice(industry.holders)
    infringer_name, kind = rng.choice(industry.infringers)
    holder = {"name": holder_name, "kind": "enterprise", "origin": origin, "region": region}
    infringer = {"name": infringer_name, "kind": kind, "origin": "local", "region": "宁波市"}
    key = definition.key
    if key in ("mediation", "patent_dispute"):
        return [{**holder, "role": "applicant"}, {**infringer, "role": "respondent"},
                {**holder, "role": "rights_holder"}]
    if key == "complaint":
        return [{**holder, "role": "complainant"}, {**infringer, "role": "alleged_infringer"}]
    if key in ("fast_track_preexam", "rights_assistance"):
        firm = rng.choice([h for h in industry.holders if h[1] != "overseas"] or industry.holders)
        return [{"name": firm[0], "kind": "enterprise", "origin": firm[1], "region": firm[2],
                 "role": "applicant" if key == "fast_track_preexam" else "assisted_firm"}]
    return [{**holder, "role": "rights_holder"}, {**infringer, "role": "alleged_infringer"}]


def _title(definition: WorkflowDefinition, industry: Industry, parties: list[dict],
           right: tuple[str, str, str]) -> str:
    first = parties[-1]["name"] if len(parties) > 1 else parties[0]["name"]
    if definition.key == "fast_track_preexam":
        return f"{first}“{right[2]}”专利申请快速预审"
    if definition.key == "rights_assistance":
        return f"{first}{industry.name}出口知识产权维权援助"
    if definition.key == "customs_detention":
        return f"出口{industry.goods}涉嫌侵犯“{right[2]}”知识产权"
    return f"{first}涉嫌侵犯“{right[2]}”（{industry.name}）"


def run_demo(app: App, *, per_type: int = 5, seed: int = 2026,
             echo: Callable[[str], None] = print) -> str:
    """Open ``per_type`` cases of every workflow in force and walk them to varied stages."""
    rng = random.Random(seed)
    ensure_people(app)
    by_agency: dict[str, list[StaffMember]] = {}
    for member in staff_members(app.uow("demo")):
        by_agency.setdefault(member.agency, []).append(member)
    keys = sorted({v.key for v in workflow_versions(app.uow("demo"))} - RECEIVING_ONLY)
    walker = _Walker(app, rng, by_agency)
    tally: Counter[str] = Counter()
    opened = 0
    for key in keys:
        for i in range(per_type):
            received = date.today() - timedelta(days=rng.randint(5, 330))
            try:
                definition = definition_in_force(app.uow("demo"), key, received)
            except CaseflowError:
                continue
            industry = INDUSTRIES[(i + len(key)) % len(INDUSTRIES)]
            agency = rng.choice([a for k in definition.agency_kinds for a in AGENCY_FOR_KIND[k]])
            opener = walker.actor_for(agency, ("officer", "mediator"))
            if opener is None:
                continue
            case = _open(app, definition, industry, rng, opener=opener, received=received)
            opened += 1
            services.attach_evidence(
                app.uow("demo"), case.id, actor=opener, filename=f"{case.number}-现场检查笔录.txt",
                content=f"{case.title}\n现场检查笔录：{industry.goods}若干，已拍照固定。".encode(),
                media_type="text/plain", description="现场检查笔录")
            case = walker.advance(case, definition, industry, steps=rng.randint(2, 24))
            tally[f"{key}:{case.status}"] += 1
            echo(f"  {case.number:<20} {key:<20} → {case.status}")
    lines = [f"demo: {opened} cases opened across {len(keys)} workflows"]
    asked = _ask_extensions(app, limit=3)
    if asked:
        lines.append(f"demo: {asked} extension requests waiting in the supervisors' queues")
    # the deadline sweep runs once, as the scheduler would have: the clocks the walk left
    # past due or near it are in the inboxes (warnings, overdue alerts, escalations)
    swept = sweep_once(app.uow("demo"))
    lines.append(f"demo: deadline sweep raised {swept.alerts_raised} alerts")
    mark = write_checkpoint(app.uow("demo"), app.checkpoints, skip_unchanged=True)
    lines.append(f"audit checkpoint {mark.number}: {mark.cases} cases under root "
                 f"{mark.root[:16]}… ({mark.path})")
    return "\n".join(lines)


EXTENSION_REASONS = ("涉案商品需权利人辨认，权利人在外地，申请延长期限",
                     "需委托专业机构鉴定，鉴定意见尚未出具，申请延期",
                     "当事人经营场所分散，需补充调查取证，申请延期")


def _ask_extensions(app: App, *, limit: int) -> int:
    """As officers do near a deadline: ask for the extension of a few running clocks, so the
    supervisors' queue has work in it (the assignee asks; a supervisor decides)."""
    asked = 0
    for case_id, clock, assignee in assigned_extendable(app.uow("demo")):
        if asked >= limit:
            break
        try:
            request_extension(app.uow("demo"), case_id, clock, actor=assignee,
                              reason=EXTENSION_REASONS[asked % len(EXTENSION_REASONS)])
        except CaseflowError:
            continue  # not this clock (its rule, or the case moved on): the next one
        asked += 1
    return asked


def _open(app: App, definition: WorkflowDefinition, industry: Industry, rng: random.Random, *,
          opener: str, received: date) -> services.CaseView:
    parties = _parties_for(definition, industry, rng)
    right = rng.choice(industry.rights)
    return services.open_case(
        app.uow("demo"), actor=opener, case_type=definition.key, received_on=received,
        title=_title(definition, industry, parties, right), parties=parties,
        ip_rights=[{"kind": right[0], "number": right[1], "title": right[2],
                    "holder": parties[0]["name"]}],
        assignee=opener, reason="登记受理", industry=industry.code,
    )


def open_walked(app: App, key: str, path: list[str], *, seed: int = 2026,
                tries: int = 20) -> services.CaseView:
    """A case of ``key`` opened as the demo opens them and taken along ``path`` (triggers in
    order), each step fired by someone of the case's agency who may, with a demo payload
    (drawn again when the step refuses one): for a test that needs a case in a given state
    whatever the demo's random walk reached today."""
    rng = random.Random(seed)
    staff: dict[str, list[StaffMember]] = {}
    for member in staff_members(app.uow("demo")):
        staff.setdefault(member.agency, []).append(member)
    walker = _Walker(app, rng, staff)
    received = date.today() - timedelta(days=30)
    definition = definition_in_force(app.uow("demo"), key, received)
    industry = INDUSTRIES[0]
    agency = next(a for k in definition.agency_kinds for a in AGENCY_FOR_KIND[k]
                  if walker.actor_for(a, ("officer", "mediator")))
    case = _open(app, definition, industry, rng, received=received,
                 opener=walker.actor_for(agency, ("officer", "mediator")) or "")
    for trigger in path:
        step = next(t for t in definition.triggers_from(case.status) if t.trigger == trigger)
        people = [u.username for u in staff[case.agency] if set(step.roles) & u.roles]
        for attempt in range(tries):
            try:
                case = services.fire(
                    app.uow("demo"), case.id, trigger, actor=people[attempt % len(people)],
                    payload=walker.payload(step, case, industry, date.today()),
                    reason=f"{step.title_zh}：经审查，依法办理")
                break
            except CaseflowError:
                if attempt == tries - 1:
                    raise
    return case


# --- the sign-ins the demo prints ----------------------------------------------------------

DEMO_PASSWORD = "demo"  # the shared password set_demo_passwords gives; demo mode only
# the demo's system account: what another system (the province's platform) calls the API as
SYSTEM_ACCOUNT = ("zjip.feed", "浙江知识产权在线（演示对接账号）", "nb-amr", ["officer"])
TOKEN_DAYS = 30


@dataclass(frozen=True)
class SignInSheet:
    """Who to sign in as (one per agency and role, all with the shared password), and a
    fresh API token of the demo's system account (its secret shown this once)."""

    address: str
    people: list[StaffMember]
    token_user: str
    token_id: int
    token: str

    @property
    def curl_path(self) -> str:
        return "/api/v1/cases"

    def render(self, *, serving: bool, port: int) -> str:
        base = self.address.rstrip("/")
        lines = ["", "=" * 72,
                 f"caseflow 演示已就绪 / demo ready:  {self.address}",
                 f"  API 文档 / reference:  {base}/api/v1/docs"]
        if not serving:
            lines.append(f"  启动 / start it:  CASEFLOW_DEMO=1 caseflow serve --port {port}   "
                         "(或 or: caseflow demo --serve)")
        lines += ["",
                  f"演示登录 / demo sign-ins — 统一密码 / shared password: {DEMO_PASSWORD}"
                  "  (仅演示模式 / demo mode only)", ""]
        rows = [("用户名 username", "姓名 name", "机构 agency", "角色 roles")]
        rows += [(m.username, m.name, m.agency, ", ".join(r for r in ROLES if r in m.roles))
                 for m in self.people]
        widths = [max(_width(row[i]) for row in rows) for i in range(3)]
        for row in rows:
            lines.append("  " + "  ".join(_pad(cell, widths[i]) for i, cell in
                                           enumerate(row[:3])) + "  " + row[3])
        lines += ["",
                  f"演示 API 令牌 / demo API token (账号 account {self.token_user}, "
                  f"{TOKEN_DAYS} 天 days; 只显示这一次 / shown once):",
                  f"  {self.token}",
                  f"  curl -H \"Authorization: Bearer {self.token}\" {base}{self.curl_path}",
                  "=" * 72]
        return "\n".join(lines)


def _width(text: str) -> int:
    """Columns ``text`` takes in a terminal: Chinese characters take two."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def demo_sign_ins(app: App, address: str) -> SignInSheet:
    """The demo's sign-ins: the first active user of every role in every agency (the demo
    passwords are set by ``ensure_people``), and a new API token for the demo's system
    account, issued by the demo's admin."""
    from caseflow.services.tokens import create_token

    username, name, agency, roles = SYSTEM_ACCOUNT
    staff = staff_members(app.uow("demo"))
    if username not in {m.username for m in staff}:
        create_user(app.uow("demo"), username, name, agency, roles,
                    organisation="浙江知识产权在线（演示）")
        # a system calls with its token, it does not sign in: a random password of its own
        # (never shown) keeps the shared demo password off it
        set_password(app.uow("demo"), username, "Zj-" + secrets.token_urlsafe(24),
                     actor="admin", reason="演示对接账号：只用 API 令牌 / token only")
    picked: list[StaffMember] = []
    order = {code: i for i, (code, *_rest) in enumerate(AGENCIES)}
    for member in sorted((m for m in staff if m.active and m.username != username),
                         key=lambda m: order.get(m.agency, len(order))):
        covered = {(p.agency, r) for p in picked for r in p.roles}
        if any((member.agency, r) not in covered for r in member.roles):
            picked.append(member)
    record, secret = create_token(app.uow("demo"), for_user=username, name="演示 API 令牌 demo",
                                  actor="admin", days=TOKEN_DAYS,
                                  reason="演示：对接示例 / demo: API example", demo=True)
    return SignInSheet(address, picked, username, record.id, secret)
