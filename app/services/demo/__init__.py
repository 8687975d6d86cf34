"""The demo country, Demoland: a believable country to look around in, built once.

Several hundred officials in six organisations take a baseline assessment and, months later, a
follow-up; in between they follow learning plans, complete resources and paths, give feedback and
answer behaviour follow-ups, and the focal point records results indicators. Everything is written
through the services officials and focal points use. Deterministic (a fixed seed) and idempotent: a
second run writes nothing. Modules: people (country, organisations, accounts, roster), answers (how
officials answer), assessments (campaigns, invitations, attempts, organisation assessments), courses
(course paths, learning plans), learning (progress, feedback, follow-up surveys), results
(indicators), build (the stages, in order).
"""

from app.services.demo.build import DEFAULT_SIZE, SEED, DemoLogin, DemoReport, build_demo
from app.services.demo.people import DEMO_COUNTRY, DEMO_ORGANISATIONS, DEMO_PASSWORD

__all__ = ["DEFAULT_SIZE", "DEMO_COUNTRY", "DEMO_ORGANISATIONS", "DEMO_PASSWORD", "SEED", "DemoLogin",
           "DemoReport", "build_demo"]
