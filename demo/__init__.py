"""The demo: real laws, departments and service items (disclosure/fixtures/), users for each role
and generated example evaluations, loaded by `make run` (`manage.py setup_demo`). An entry point
like the import: it writes through the services of every app."""
