"""What the catalogue tells the processes above it, which it does not know.

`powers_bulk_created` is sent by catalogue.bulk for each chunk of new powers it inserts without
saving them one by one (so without Wagtail's per-page signals): the search index and the review's
public record react to it (search.receivers, review.receivers), as they react to
`page_published` for a single power.
"""

from django.dispatch import Signal

# sender: PowerPage; pages: the new powers (saved); revisions: their first revision each, in
# the same order; user: who wrote them (None for a loader); published_at: the publication time,
# or None when they were created as drafts.
powers_bulk_created = Signal()
