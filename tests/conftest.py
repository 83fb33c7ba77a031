"""Shared test settings.

Hypothesis runs without per-example deadlines: the suite runs two workers on
two cores beside real OVS processes, and a deadline would turn machine load
into flaky failures. Timing is measured in bench/, never in tests.
"""

from hypothesis import HealthCheck, settings

settings.register_profile(
    "pyovn",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile("pyovn")
