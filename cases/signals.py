"""What cases tell the layers above, which this layer does not import (supervision listens).

- `events_recorded(sender=Case, events=[CaseEvent, …], steps={(case id, position): CaseStep})`:
  sent inside the transaction that wrote the events (one event, or a batch's), each event's
  `case` the case as written, and (from a batch) the steps it changed, as written; a
  receiver's writes commit or roll back with them.
- `push_refused(sender=Case, case=Case, kind=str, external_id=str, error=Exception, account=User)`:
  a department's system pushed an event of one of its cases that the flow refused (an order,
  a missing reason, an extension without approval…); sent after the refusal, outside its
  rolled-back transaction.
"""

from django.dispatch import Signal

events_recorded = Signal()
push_refused = Signal()
