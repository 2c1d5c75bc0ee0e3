"""Karmada's scheduler, run offline: filter -> score -> select -> assign replicas."""

from hubless.scheduler.core import Attempt, Rejection, Schedule, Unschedulable, keep, schedule
from hubless.scheduler.errors import ScheduleError
from hubless.scheduler.input import ScheduleInput

__all__ = [
    "Attempt",
    "Rejection",
    "Schedule",
    "ScheduleError",
    "ScheduleInput",
    "Unschedulable",
    "keep",
    "schedule",
]
