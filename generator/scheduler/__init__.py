"""Karmada's scheduler, run offline: filter -> select -> assign replicas."""

from generator.scheduler.core import Schedule, schedule
from generator.scheduler.input import ScheduleInput

__all__ = ["Schedule", "ScheduleInput", "schedule"]
