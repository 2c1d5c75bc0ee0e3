"""Karmada's scheduler, run offline: filter -> score -> select -> assign replicas."""

from generator.scheduler.core import Attempt, Rejection, Schedule, schedule
from generator.scheduler.errors import ScheduleError
from generator.scheduler.input import ScheduleInput

__all__ = [
    "Attempt",
    "Rejection",
    "Schedule",
    "ScheduleError",
    "ScheduleInput",
    "schedule",
]
