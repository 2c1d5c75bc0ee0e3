"""Karmada's scheduler, run offline: filter -> score -> select -> assign replicas."""

from generator.scheduler.core import Attempt, Rejection, Schedule, schedule
from generator.scheduler.errors import FitError, ScheduleError
from generator.scheduler.input import ScheduleInput

__all__ = [
    "Attempt",
    "FitError",
    "Rejection",
    "Schedule",
    "ScheduleError",
    "ScheduleInput",
    "schedule",
]
