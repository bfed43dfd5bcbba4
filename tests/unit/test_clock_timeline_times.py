"""The clock drawing places its times where they are: the ISO times a ClockView gives carry
Beijing's offset and must not be read again as UTC (they were drawn 8 hours late)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from caseflow.domain.moments import TZ
from caseflow.views.clock_timeline import clock_timeline

CLOCK = {"started_at": "2026-12-02T10:00:00+08:00", "due": "2026-12-04T10:00:00+08:00",
         "status": "running",
         "timeline": [{"kind": "running", "from": "2026-12-02T10:00:00+08:00", "to": None}]}


def test_times_keep_their_offset_and_now_sits_where_it_is():
    now = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)  # 10:00 Beijing, halfway to due
    drawing = clock_timeline(CLOCK, now)
    assert drawing.start == datetime(2026, 12, 2, 10, 0, tzinfo=TZ)
    assert drawing.start.utcoffset() == timedelta(hours=8)
    marks = {m.kind: m for m in drawing.marks}
    assert marks["due"].at == datetime(2026, 12, 4, 10, 0, tzinfo=TZ)
    assert marks["due"].x == 1.0 and marks["now"].x == 0.5
    assert drawing.segments[0].start == drawing.start and drawing.segments[0].open


def test_a_naive_now_is_stored_utc():
    drawing = clock_timeline(CLOCK, datetime(2026, 12, 3, 2, 0))
    assert {m.kind: m.x for m in drawing.marks}["now"] == 0.5
