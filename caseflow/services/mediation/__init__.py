"""Mediation: sessions, settlement agreements, performance schedules, confidentiality and

Every public function that takes a unit of work is one transaction, audited on the case (who,
when, why); a refusal raises before anything is written and the unit of work rolls back.

* ``record_session`` keeps a session's notes in ``mediation_sessions`` only; the audit event
  carries the SHA-256 of the notes, never the text, so the notes stay confidential even in
  the audit trail (which other agencies may be shown).
* ``record_settlement`` validates the whole agreement field by field and starts one
  instalment clock per instalment (``instalment.<agreement id>.<seq>``, ruled by
  ``clock_services.INSTALMENT_RULE``). The clock runs from the signing date for the number of
  calendar days to the due date, so it falls due at the end of ``due_on`` and rolls past
  rest days like any calendar-day period (an instalment due on the signing day itself runs
  24 hours from 00:00 of that day and does not roll). A new agreement on the same case
  supersedes the previous one and stops its open clocks.
* ``record_payment`` stops the instalment's clock at the payment date; the stop event's
  ``on_time`` says whether the payment was in time.
* ``check_confirmable`` refuses an agreement deciding IP ownership or validity, which a court
  will not confirm (民诉法解释 art. 355); the handoff service calls it before sending a
  ``judicial_confirmation`` handoff.
* ``check_mediator_conflict`` refuses a mediator linked to a party (same organisation, or a
  declared conflict); ``declare_conflict`` records a declaration.
* ``mediation_view`` is the one place that decides who sees what of a mediation.

Split by concept: ``sessions``, ``settlements`` (and performance), ``conflicts``; the read
side's ``views.mediation`` decides who sees what of a mediation.
"""
