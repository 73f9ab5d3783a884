"""Access: who may do what, for every path into the platform.

The bottom layer of the platform: role names and their groups, role checks, the page permission
testers that Wagtail's admin, its API and the services all consult, department scoping for the
records that are not pages (feedback, cases), the unmasking of personal data, and the shape of
the platform's own admin sections. It imports no other app of the platform.
"""
