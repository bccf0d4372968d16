"""年度台账: the year-end report the center's volunteer station is assessed
on, as a page and as one .xlsx workbook with a sheet per table. The figures
are reads/report.py's; the counseling tables hold counts only, never a name,
phone or note."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from sync.server.console.export import Table, xlsx_response
from sync.server.console.web import Here, PageError, here, page
from sync.server.reads import report as reads
from sync.server.reads.bookings import center_document

router = APIRouter()
TOP = 10  # volunteers named on the page; the workbook lists everyone who served


def _year(store, asked: str) -> int:
    this_year = store.shared.local_now().year
    if not asked:
        return this_year
    if not (asked.isdecimal() and 2000 <= int(asked) <= this_year):
        raise PageError(404, "没有这一年的台账", f"请选择 2000 年到 {this_year} 年之间的年份。")
    return int(asked)


def _read(request: Request, where: Here, year: str) -> reads.Report:
    store = request.app.state.store
    topics = tuple(store.read(center_document, where.center_id).get("counseling", {}).get("topics", ()))
    return store.read(reads.report, where.center_id, _year(store, year), topics)


def _people(report: reads.Report, roster: dict[str, tuple[str, str]]) -> list[tuple]:
    """(编号, 姓名, 服务次数, 时长, 积分, 兑换次数, 兑换积分) for each volunteer with an entry in the year."""
    rows = [(*roster.get(vid, (vid, "")), s.entries, round(s.hours, 1), s.points, s.exchanges, s.exchanged)
            for vid, s in report.ledger.people.items()]
    return sorted(rows, key=lambda r: r[0])


def _activities(report: reads.Report) -> list[tuple]:
    acts = sorted(report.ledger.activities.items(), key=lambda kv: (-kv[1].hours, kv[0]))
    return [(name, a.entries, a.people, round(a.hours, 1), a.points) for name, a in acts]


def _summary(report: reads.Report) -> list[tuple[str, object]]:
    t = report.ledger.total
    w = dict(report.wishes["by_category"])["合计"]
    c = dict(report.counseling["by_topic"])["合计"]
    study, books = dict(report.study)["合计"], dict(report.books)["合计"]
    return [
        ("登记在册的志愿者（人）", report.registered),
        ("本年参加服务的志愿者（人）", sum(1 for s in report.ledger.people.values() if s.entries > 0)),
        ("其中本年首次参加服务（人）", report.ledger.first_served),
        ("志愿服务（次）", t.entries), ("服务时长（小时）", round(t.hours, 1)), ("发放志愿积分", t.points),
        ("积分兑换（次）", t.exchanges), ("兑换积分", t.exchanged),
        *((f"微心愿{label}（个）", w[i]) for i, label in enumerate(reads.WISH_COLUMNS[:4])),
        ("民情恳谈申请（次）", c[0]), ("民情恳谈已接待办结（次）", c[1]),
        ("自习室预约（人次）", study[0]), ("自习室签到（人次）", study[1]),
        ("妈妈绘本馆报名（人次）", books[0]), ("妈妈绘本馆签到（人次）", books[1]),
    ]


def _tables(report: reads.Report, roster: dict, private: bool) -> list[Table]:
    """private: the center's own staff; others get no counseling topics, not even counted
    (with few visits a count can name a person)."""
    def rows(labelled):
        return [(label, *counts) for label, counts in labelled]
    return [
        Table("概况", ["项目", f"{report.year}年"], _summary(report)),
        Table("志愿者服务（按人）", ["志愿者编号", "姓名", "服务次数", "服务时长（小时）", "获得积分", "兑换次数",
                              "兑换积分"], _people(report, roster)),
        Table("志愿服务（按活动）", ["服务项目", "服务次数", "参加人数", "服务时长（小时）", "积分"], _activities(report)),
        Table("微心愿（按类别）", ["类别", *reads.WISH_COLUMNS], rows(report.wishes["by_category"])),
        Table("微心愿（按月）", ["提交月份", *reads.WISH_COLUMNS], rows(report.wishes["by_month"])),
        *([Table("民情恳谈（按类别）", ["咨询类别", *reads.COUNSELING_COLUMNS], rows(report.counseling["by_topic"]))]
          if private else []),
        Table("民情恳谈（按月）", ["申请月份", *reads.COUNSELING_COLUMNS], rows(report.counseling["by_month"])),
        Table("自习室（按月）", ["场次月份", *reads.ROOM_COLUMNS["study"]], rows(report.study)),
        Table("妈妈绘本馆（按月）", ["场次月份", *reads.ROOM_COLUMNS["books"]], rows(report.books)),
    ]


@router.get("/{center_id}/report")
def report_page(request: Request, year: str = "", where: Here = Depends(here)):
    report = _read(request, where, year)
    this_year = request.app.state.store.shared.local_now().year
    first = int(report.first_year or this_year)
    top = sorted(report.ledger.people.items(), key=lambda kv: (-kv[1].hours, kv[0]))[:TOP]
    names = request.app.state.store.read(reads.roster, where.center_id, [vid for vid, _ in top])
    return page(request, "report.html", {
        "title": f"年度台账 {report.year}年", "report": report, "summary": _summary(report),
        "years": list(range(this_year, min(first, report.year) - 1, -1)),
        "activities": _activities(report), "top": [(*names.get(vid, (vid, "")), s) for vid, s in top],
        "columns": {"wishes": reads.WISH_COLUMNS, "counseling": reads.COUNSELING_COLUMNS,
                    "rooms": reads.ROOM_COLUMNS},
    }, where=where)


@router.get("/{center_id}/report.xlsx")
def report_workbook(request: Request, year: str = "", where: Here = Depends(here)):
    report = _read(request, where, year)
    roster = request.app.state.store.read(reads.roster, where.center_id)
    return xlsx_response(_tables(report, roster, where.private), f"年度台账-{report.year}年-{where.center_name}")
