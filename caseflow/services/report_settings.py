"""What an admin sets for the supervisor's reports: the group-infringement threshold (how many
different respondents one IP right or rights holder is asserted against before it is flagged).
Each change is a system event with who, when, the old and new value and why."""

from __future__ import annotations

from sqlalchemy import select

from caseflow.adapters.orm import ReportSetting, SystemEvent
from caseflow.domain.errors import N_, ValidationFailed
from caseflow.domain.limits import check_reason
from caseflow.services.access import require_admin, require_reason
from caseflow.services.unit_of_work import UnitOfWork

GROUP_THRESHOLD = "group_threshold"
GROUP_THRESHOLD_DEFAULT = 5
GROUP_THRESHOLD_RANGE = (2, 1000)


def group_threshold_of(uow: UnitOfWork) -> int:
    value = uow.session.scalar(select(ReportSetting.value)
                               .where(ReportSetting.name == GROUP_THRESHOLD))
    return int(value) if value is not None else GROUP_THRESHOLD_DEFAULT


def set_group_threshold(uow: UnitOfWork, value: int, *, actor: str, reason: str) -> int:
    """Set the threshold (an admin, with a reason); returns the value now in force."""
    low, high = GROUP_THRESHOLD_RANGE
    with uow:
        require_admin(uow, actor, "sets the report settings")
        reason = require_reason(check_reason(reason), "setting the group threshold")
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise ValidationFailed(N_("value: must be a whole number from %(low)s to %(high)s"),
                                   field="value", params={"low": low, "high": high})
        row = uow.session.get(ReportSetting, GROUP_THRESHOLD)
        old = row.value if row is not None else GROUP_THRESHOLD_DEFAULT
        if row is None:
            row = ReportSetting(name=GROUP_THRESHOLD)
            uow.session.add(row)
        row.value, row.updated_by, row.updated_at, row.reason = value, actor, uow.now(), reason
        uow.session.add(SystemEvent(kind="report_setting_changed", actor=actor, at=uow.now(),
                                    reason=reason, payload={"name": GROUP_THRESHOLD,
                                                            "old": old, "new": value}))
        uow.commit()
        return value
