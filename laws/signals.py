"""What the law library tells the processes above it, which it does not know.

`laws_no_longer_in_force` is sent by laws.services.law_library_load with the versions that were
in force and are not any more (a newer version was loaded): the review opens an adjustment
requirement for every live power citing them (review.receivers)."""

from django.dispatch import Signal

# sender: Law; laws: the versions no longer in force.
laws_no_longer_in_force = Signal()
